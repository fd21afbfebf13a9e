/* The few headers the portable core needs, from libc in user space and from the kernel when
 * the kernel fast path compiles these same files (it defines __KERNEL__).  The core uses only
 * fixed-width integers, size_t, memcpy, memset and memcmp: no I/O, no allocation. */
#ifndef LOOPFS_LAYERS_ENCRYPT_CORE_PLATFORM_H_
#define LOOPFS_LAYERS_ENCRYPT_CORE_PLATFORM_H_

#ifdef __KERNEL__
#include <linux/stddef.h>
#include <linux/string.h>
#include <linux/types.h>
#else
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#endif

#endif /* LOOPFS_LAYERS_ENCRYPT_CORE_PLATFORM_H_ */
