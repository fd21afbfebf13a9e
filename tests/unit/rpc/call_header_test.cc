#include "rpc/call_header.h"

#include <gtest/gtest.h>

#include "tests/unit/rpc/call_builder.h"

namespace loopfs::rpc {
namespace {

using testing::BuildCall;
using testing::CallSpec;

TEST(CallHeader, DecodesAuthSys) {
  CallSpec s;
  s.xid = 0xdeadbeef;
  s.proc = 4;
  s.args = {1, 2, 3, 4};
  auto rec = BuildCall(s);
  CallHeader h;
  ASSERT_EQ(DecodeCallHeader(rec, &h), CallHeaderStatus::kOk);
  EXPECT_EQ(h.info.xid, 0xdeadbeefu);
  EXPECT_EQ(h.info.prog, 100003u);
  EXPECT_EQ(h.info.vers, 3u);
  EXPECT_EQ(h.info.proc, 4u);
  EXPECT_EQ(h.info.flavor, AuthFlavor::kSys);
  EXPECT_EQ(h.info.sys.machine, "host");
  EXPECT_EQ(h.info.sys.uid, 1000u);
  EXPECT_EQ(h.info.sys.ngids, 2u);
  EXPECT_EQ(h.info.sys.gids[1], 27u);
  EXPECT_EQ(h.args_offset, rec.size() - 4);
}

TEST(CallHeader, DecodesAuthNone) {
  CallSpec s;
  s.flavor = 0;
  auto rec = BuildCall(s);
  CallHeader h;
  ASSERT_EQ(DecodeCallHeader(rec, &h), CallHeaderStatus::kOk);
  EXPECT_EQ(h.info.flavor, AuthFlavor::kNone);
}

TEST(CallHeader, MachineNameAtAndOverTheLimit) {
  CallSpec s;
  s.machine = std::string(255, 'm');
  auto rec = BuildCall(s);
  CallHeader h;
  ASSERT_EQ(DecodeCallHeader(rec, &h), CallHeaderStatus::kOk);
  EXPECT_EQ(h.info.sys.machine.size(), 255u);
  s.machine = std::string(256, 'm');
  rec = BuildCall(s);
  EXPECT_EQ(DecodeCallHeader(rec, &h), CallHeaderStatus::kBadCred);
}

TEST(CallHeader, SixteenGidsAcceptedSeventeenRefused) {
  CallSpec s;
  s.gids.assign(16, 5);
  auto rec = BuildCall(s);
  CallHeader h;
  ASSERT_EQ(DecodeCallHeader(rec, &h), CallHeaderStatus::kOk);
  EXPECT_EQ(h.info.sys.ngids, 16u);
  s.gids.assign(17, 5);
  rec = BuildCall(s);
  EXPECT_EQ(DecodeCallHeader(rec, &h), CallHeaderStatus::kBadCred);
}

TEST(CallHeader, CredentialWithTrailingBytesIsBad) {
  CallSpec s;
  s.use_raw_cred = true;
  testing::PutU32(&s.raw_cred, 1);      // stamp
  testing::PutU32(&s.raw_cred, 0);      // machine ""
  testing::PutU32(&s.raw_cred, 0);      // uid
  testing::PutU32(&s.raw_cred, 0);      // gid
  testing::PutU32(&s.raw_cred, 0);      // no gids
  testing::PutU32(&s.raw_cred, 99);     // junk
  CallHeader h;
  EXPECT_EQ(DecodeCallHeader(BuildCall(s), &h), CallHeaderStatus::kBadCred);
}

TEST(CallHeader, CredentialOver400BytesIsBad) {
  CallSpec s;
  s.use_raw_cred = true;
  s.raw_cred.assign(404, 0);
  CallHeader h;
  EXPECT_EQ(DecodeCallHeader(BuildCall(s), &h), CallHeaderStatus::kBadCred);
}

TEST(CallHeader, UnknownFlavor) {
  CallSpec s;
  s.flavor = 6;  // RPCSEC_GSS
  s.use_raw_cred = true;
  CallHeader h;
  EXPECT_EQ(DecodeCallHeader(BuildCall(s), &h), CallHeaderStatus::kBadFlavor);
}

TEST(CallHeader, WrongRpcVersion) {
  CallSpec s;
  s.rpcvers = 3;
  CallHeader h;
  EXPECT_EQ(DecodeCallHeader(BuildCall(s), &h), CallHeaderStatus::kRpcMismatch);
  EXPECT_EQ(h.info.xid, s.xid);
}

TEST(CallHeader, ReplyIsNotACall) {
  CallSpec s;
  s.msg_type = 1;
  CallHeader h;
  EXPECT_EQ(DecodeCallHeader(BuildCall(s), &h), CallHeaderStatus::kNotCall);
}

TEST(CallHeader, EveryTruncationIsRefusedNotCrashed) {
  CallSpec s;
  auto rec = BuildCall(s);
  for (size_t len = 0; len < rec.size(); ++len) {
    std::vector<uint8_t> cut(rec.begin(), rec.begin() + len);
    CallHeader h;
    EXPECT_NE(DecodeCallHeader(cut, &h), CallHeaderStatus::kOk) << "length " << len;
  }
}

}  // namespace
}  // namespace loopfs::rpc
