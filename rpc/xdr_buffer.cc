#include "rpc/xdr_buffer.h"

#include <arpa/inet.h>

#include <cstring>
#include <limits>

namespace loopfs::rpc {

const XdrOps XdrBufferEncoder::kOps = {
    &XdrBufferEncoder::GetLong, &XdrBufferEncoder::PutLong, &XdrBufferEncoder::GetBytes,
    &XdrBufferEncoder::PutBytes, &XdrBufferEncoder::GetPos, &XdrBufferEncoder::SetPos,
    &XdrBufferEncoder::Inline,  &XdrBufferEncoder::Destroy, &XdrBufferEncoder::Control,
};

XdrBufferEncoder::XdrBufferEncoder(ByteBuffer* buf, size_t start)
    : buf_(buf), start_(start), pos_(start), end_(start) {
  if (buf_->size() < start_) buf_->resize(start_);
  buf_->resize(start_);
  xdr_.x_op = XDR_ENCODE;
  xdr_.x_ops = &kOps;
  xdr_.x_private = this;
}

XdrBufferEncoder::~XdrBufferEncoder() = default;

void XdrBufferEncoder::Reset() {
  pos_ = end_ = start_;
  buf_->resize(start_);
}

uint8_t* XdrBufferEncoder::Reserve(size_t n) {
  size_t need = pos_ + n;
  if (need > buf_->size()) {
    if (need > buf_->capacity()) buf_->reserve(std::max(need, buf_->capacity() * 2));
    buf_->resize(need);
  }
  uint8_t* p = buf_->data() + pos_;
  pos_ = need;
  if (pos_ > end_) end_ = pos_;
  return p;
}

bool_t XdrBufferEncoder::PutLong(XDR* x, const long* v) {
  uint32_t be = htonl(static_cast<uint32_t>(*v));
  std::memcpy(Self(x)->Reserve(4), &be, 4);
  return TRUE;
}

bool_t XdrBufferEncoder::PutBytes(XDR* x, const char* p, u_int n) {
  if (n != 0) std::memcpy(Self(x)->Reserve(n), p, n);
  return TRUE;
}

bool_t XdrBufferEncoder::GetLong(XDR*, long*) { return FALSE; }  // encode only
bool_t XdrBufferEncoder::GetBytes(XDR*, char*, u_int) { return FALSE; }

u_int XdrBufferEncoder::GetPos(XDR* x) {
  return static_cast<u_int>(Self(x)->pos_ - Self(x)->start_);
}

bool_t XdrBufferEncoder::SetPos(XDR* x, u_int pos) {
  XdrBufferEncoder* self = Self(x);
  if (self->start_ + pos > self->end_) return FALSE;  // only within what was written
  self->pos_ = self->start_ + pos;
  return TRUE;
}

int32_t* XdrBufferEncoder::Inline(XDR* x, u_int n) {
  if (n % 4 != 0) return nullptr;  // XDR units; keeps the returned pointer aligned
  return reinterpret_cast<int32_t*>(Self(x)->Reserve(n));
}

void XdrBufferEncoder::Destroy(XDR*) {}
bool_t XdrBufferEncoder::Control(XDR*, int, void*) { return FALSE; }

}  // namespace loopfs::rpc
