#include "tests/unit/rpc/call_builder.h"

#include <cstring>

namespace loopfs::rpc::testing {

void PutU32(std::vector<uint8_t>* out, uint32_t v) {
  out->push_back(static_cast<uint8_t>(v >> 24));
  out->push_back(static_cast<uint8_t>(v >> 16));
  out->push_back(static_cast<uint8_t>(v >> 8));
  out->push_back(static_cast<uint8_t>(v));
}

void PutOpaque(std::vector<uint8_t>* out, const void* data, size_t len) {
  PutU32(out, static_cast<uint32_t>(len));
  const auto* p = static_cast<const uint8_t*>(data);
  out->insert(out->end(), p, p + len);
  while (out->size() % 4 != 0) out->push_back(0);
}

std::vector<uint8_t> BuildCall(const CallSpec& s) {
  std::vector<uint8_t> out;
  PutU32(&out, s.xid);
  PutU32(&out, s.msg_type);
  PutU32(&out, s.rpcvers);
  PutU32(&out, s.prog);
  PutU32(&out, s.vers);
  PutU32(&out, s.proc);
  PutU32(&out, s.flavor);
  std::vector<uint8_t> cred;
  if (s.use_raw_cred) {
    cred = s.raw_cred;
  } else if (s.flavor == 1) {
    PutU32(&cred, s.stamp);
    PutOpaque(&cred, s.machine.data(), s.machine.size());
    PutU32(&cred, s.uid);
    PutU32(&cred, s.gid);
    PutU32(&cred, static_cast<uint32_t>(s.gids.size()));
    for (uint32_t g : s.gids) PutU32(&cred, g);
  }
  PutOpaque(&out, cred.data(), cred.size());
  PutU32(&out, 0);  // verifier: AUTH_NONE, empty
  PutU32(&out, 0);
  out.insert(out.end(), s.args.begin(), s.args.end());
  return out;
}

std::vector<uint8_t> Frame(const std::vector<uint8_t>& record) {
  std::vector<uint8_t> out;
  PutU32(&out, 0x80000000u | static_cast<uint32_t>(record.size()));
  out.insert(out.end(), record.begin(), record.end());
  return out;
}

namespace {
bool Get(const uint8_t* d, size_t len, size_t* off, uint32_t* v) {
  if (*off + 4 > len) return false;
  *v = (uint32_t{d[*off]} << 24) | (uint32_t{d[*off + 1]} << 16) | (uint32_t{d[*off + 2]} << 8) |
       d[*off + 3];
  *off += 4;
  return true;
}
}  // namespace

ParsedReply ParseReply(const uint8_t* d, size_t len) {
  ParsedReply r;
  size_t off = 0;
  uint32_t mtype = 0;
  if (!Get(d, len, &off, &r.xid) || !Get(d, len, &off, &mtype) || mtype != 1) return r;
  if (!Get(d, len, &off, &r.reply_stat)) return r;
  if (r.reply_stat == 0) {
    uint32_t flavor = 0, vlen = 0;
    if (!Get(d, len, &off, &flavor) || !Get(d, len, &off, &vlen)) return r;
    off += (vlen + 3) & ~3u;
    if (!Get(d, len, &off, &r.accept_stat)) return r;
    if (r.accept_stat == 2 && (!Get(d, len, &off, &r.low) || !Get(d, len, &off, &r.high))) {
      return r;
    }
    if (r.accept_stat == 0 && off <= len) r.body.assign(d + off, d + len);
  } else {
    if (!Get(d, len, &off, &r.reject_stat)) return r;
    if (r.reject_stat == 0) {
      if (!Get(d, len, &off, &r.low) || !Get(d, len, &off, &r.high)) return r;
    } else if (!Get(d, len, &off, &r.auth_stat)) {
      return r;
    }
  }
  r.ok = true;
  return r;
}

}  // namespace loopfs::rpc::testing
