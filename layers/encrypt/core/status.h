/* Outcomes of the portable encrypt core.  Zero is success; every failure is negative so a
 * caller can test `< 0`.  The layer maps all of them except LFENC_ERR_ARG to NFS3ERR_IO. */
#ifndef LOOPFS_LAYERS_ENCRYPT_CORE_STATUS_H_
#define LOOPFS_LAYERS_ENCRYPT_CORE_STATUS_H_

#ifdef __cplusplus
extern "C" {
#endif

enum lfenc_status {
  LFENC_OK = 0,
  LFENC_ERR_RANGE = -1,   /* an offset or size would overflow 64 bits */
  LFENC_ERR_SIZE = -2,    /* a length that no valid ciphertext (block, file, name) has */
  LFENC_ERR_AUTH = -3,    /* authentication failed: tampered, swapped or foreign data */
  LFENC_ERR_FORMAT = -4,  /* malformed encoding: header version, base64, padding, name */
  LFENC_ERR_BACKEND = -5, /* the crypto backend reported an internal failure */
  LFENC_ERR_ARG = -6,     /* the caller passed something the API does not accept */
};

#ifdef __cplusplus
}
#endif

#endif /* LOOPFS_LAYERS_ENCRYPT_CORE_STATUS_H_ */
