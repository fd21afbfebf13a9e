// An XDR encoding stream over a growing ByteBuffer.
//
// libtirpc's xdrmem streams have a fixed size; a reply's size is known only
// once it is encoded (a READ of up to 1 MiB, a READDIRPLUS of up to the
// client's maxcount), so replies are encoded into this stream instead.
// xdr_inline() of any length succeeds and returns a pointer into the buffer,
// valid until the next operation on the stream: that is how READ puts file
// data into the reply without an intermediate copy.
#pragma once

#include <rpc/xdr.h>

#include <type_traits>

#include "rpc/byte_buffer.h"

namespace loopfs::rpc {

// libtirpc declares its operations table as a struct nested in XDR.
using XdrOps = std::remove_const_t<std::remove_pointer_t<decltype(XDR::x_ops)>>;

class XdrBufferEncoder {
 public:
  // Encodes into buf starting at byte offset start (bytes before it are left
  // for the caller, e.g. the record mark and the reply header).  Positions
  // reported by xdr_getpos() are relative to start.
  XdrBufferEncoder(ByteBuffer* buf, size_t start);
  ~XdrBufferEncoder();
  XdrBufferEncoder(const XdrBufferEncoder&) = delete;
  XdrBufferEncoder& operator=(const XdrBufferEncoder&) = delete;

  XDR* xdr() { return &xdr_; }
  // Bytes encoded so far (the high-water mark, not the current position).
  size_t size() const { return end_ - start_; }
  // Drops everything encoded, e.g. when the procedure failed.
  void Reset();

 private:
  static bool_t PutLong(XDR* x, const long* v);
  static bool_t PutBytes(XDR* x, const char* p, u_int n);
  static bool_t GetLong(XDR* x, long* v);
  static bool_t GetBytes(XDR* x, char* p, u_int n);
  static u_int GetPos(XDR* x);
  static bool_t SetPos(XDR* x, u_int pos);
  static int32_t* Inline(XDR* x, u_int n);
  static void Destroy(XDR* x);
  static bool_t Control(XDR* x, int request, void* info);
  static XdrBufferEncoder* Self(XDR* x) { return static_cast<XdrBufferEncoder*>(x->x_private); }
  uint8_t* Reserve(size_t n);  // n bytes at the position, which then advances

  static const XdrOps kOps;
  XDR xdr_{};
  ByteBuffer* buf_;
  size_t start_;
  size_t pos_;   // absolute offset in buf_
  size_t end_;   // absolute high-water mark
};

}  // namespace loopfs::rpc
