#include "rpc/xdr_buffer.h"

#include <gtest/gtest.h>

#include <cstring>

namespace loopfs::rpc {
namespace {

TEST(XdrBufferEncoder, GrowsAndLeavesRoomInFront) {
  ByteBuffer buf;
  XdrBufferEncoder enc(&buf, 8);
  for (u_int i = 0; i < 10000; ++i) ASSERT_TRUE(xdr_u_int(enc.xdr(), &i));
  EXPECT_EQ(enc.size(), 40000u);
  EXPECT_EQ(buf.size(), 40008u);
  EXPECT_EQ(xdr_getpos(enc.xdr()), 40000u);
  EXPECT_EQ(buf[8 + 4 * 9999 + 3], 9999 & 0xff);
}

TEST(XdrBufferEncoder, InlineGivesWritableSpaceAndSetPosPatches) {
  ByteBuffer buf;
  XdrBufferEncoder enc(&buf, 4);
  u_int placeholder = 0;
  ASSERT_TRUE(xdr_u_int(enc.xdr(), &placeholder));
  int32_t* p = xdr_inline(enc.xdr(), 1 << 20);
  ASSERT_NE(p, nullptr);
  std::memset(p, 0xab, 1 << 20);
  u_int end = xdr_getpos(enc.xdr());
  ASSERT_TRUE(xdr_setpos(enc.xdr(), 0));
  u_int count = 1 << 20;
  ASSERT_TRUE(xdr_u_int(enc.xdr(), &count));
  ASSERT_TRUE(xdr_setpos(enc.xdr(), end));
  EXPECT_EQ(enc.size(), 4u + (1u << 20));
  EXPECT_EQ(buf[4], 0x00);
  EXPECT_EQ(buf[5], 0x10);
  EXPECT_EQ(buf[8], 0xab);
  EXPECT_FALSE(xdr_setpos(enc.xdr(), end + 4));  // past what was written
  EXPECT_EQ(xdr_inline(enc.xdr(), 3), nullptr);  // not XDR units
}

TEST(XdrBufferEncoder, ResetDropsTheBody) {
  ByteBuffer buf;
  XdrBufferEncoder enc(&buf, 28);
  u_int v = 5;
  ASSERT_TRUE(xdr_u_int(enc.xdr(), &v));
  enc.Reset();
  EXPECT_EQ(enc.size(), 0u);
  EXPECT_EQ(buf.size(), 28u);
}

TEST(XdrBufferEncoder, RefusesToDecode) {
  ByteBuffer buf;
  XdrBufferEncoder enc(&buf, 0);
  u_int v;
  enc.xdr()->x_op = XDR_DECODE;
  EXPECT_FALSE(xdr_u_int(enc.xdr(), &v));
}

}  // namespace
}  // namespace loopfs::rpc
