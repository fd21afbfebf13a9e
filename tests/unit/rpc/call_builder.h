// Builds RPC call records by hand, independently of the code under test, so
// tests check the decoder against RFC 5531's layout rather than against
// itself.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace loopfs::rpc::testing {

struct CallSpec {
  uint32_t xid = 1;
  uint32_t msg_type = 0;  // CALL
  uint32_t rpcvers = 2;
  uint32_t prog = 100003;
  uint32_t vers = 3;
  uint32_t proc = 0;
  uint32_t flavor = 1;  // AUTH_SYS
  uint32_t stamp = 7;
  std::string machine = "host";
  uint32_t uid = 1000;
  uint32_t gid = 1000;
  std::vector<uint32_t> gids = {1000, 27};
  std::vector<uint8_t> raw_cred;  // used instead of the AUTH_SYS body when set
  bool use_raw_cred = false;
  std::vector<uint8_t> args;
};

void PutU32(std::vector<uint8_t>* out, uint32_t v);
void PutOpaque(std::vector<uint8_t>* out, const void* data, size_t len);
std::vector<uint8_t> BuildCall(const CallSpec& spec);
// The record with one record mark in front (single fragment).
std::vector<uint8_t> Frame(const std::vector<uint8_t>& record);

// A parsed reply, enough for assertions.
struct ParsedReply {
  uint32_t xid = 0;
  uint32_t reply_stat = 0;   // 0 accepted, 1 denied
  uint32_t accept_stat = 0;  // when accepted
  uint32_t reject_stat = 0;  // when denied
  uint32_t low = 0, high = 0;
  uint32_t auth_stat = 0;
  std::vector<uint8_t> body;  // results after an accepted SUCCESS header
  bool ok = false;
};
ParsedReply ParseReply(const uint8_t* data, size_t len);

}  // namespace loopfs::rpc::testing
