#include "rpc/record_marking.h"

#include <gtest/gtest.h>

#include <numeric>

#include "tests/unit/rpc/call_builder.h"

namespace loopfs::rpc {
namespace {

using testing::PutU32;

std::vector<uint8_t> Fragment(const std::vector<uint8_t>& body, bool last) {
  std::vector<uint8_t> out;
  PutU32(&out, static_cast<uint32_t>(body.size()) | (last ? kLastFragment : 0));
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

std::vector<uint8_t> Bytes(size_t n, uint8_t seed) {
  std::vector<uint8_t> v(n);
  std::iota(v.begin(), v.end(), seed);
  return v;
}

TEST(RecordReader, SingleFragmentRecord) {
  RecordReader r(1024);
  auto body = Bytes(100, 1);
  auto wire = Fragment(body, true);
  EXPECT_EQ(r.Feed(wire), wire.size());
  ByteBuffer rec;
  ASSERT_TRUE(r.TakeRecord(&rec));
  EXPECT_EQ(std::vector<uint8_t>(rec.begin(), rec.end()), body);
  EXPECT_FALSE(r.TakeRecord(&rec));
  EXPECT_FALSE(r.mid_record());
}

TEST(RecordReader, MultiFragmentRecordFedOneByteAtATime) {
  RecordReader r(1024);
  auto a = Bytes(10, 1), b = Bytes(0, 0), c = Bytes(33, 50);
  std::vector<uint8_t> wire;
  for (auto& f : {Fragment(a, false), Fragment(b, false), Fragment(c, true)}) {
    wire.insert(wire.end(), f.begin(), f.end());
  }
  for (uint8_t byte : wire) ASSERT_EQ(r.Feed({&byte, 1}), 1u);
  ByteBuffer rec;
  ASSERT_TRUE(r.TakeRecord(&rec));
  std::vector<uint8_t> want = a;
  want.insert(want.end(), c.begin(), c.end());
  EXPECT_EQ(std::vector<uint8_t>(rec.begin(), rec.end()), want);
}

TEST(RecordReader, SeveralRecordsInOneFeed) {
  RecordReader r(1024);
  std::vector<uint8_t> wire;
  for (int i = 0; i < 5; ++i) {
    auto f = Fragment(Bytes(4 * (i + 1), static_cast<uint8_t>(i)), true);
    wire.insert(wire.end(), f.begin(), f.end());
  }
  r.Feed(wire);
  EXPECT_EQ(r.pending_records(), 5u);
  ByteBuffer rec;
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(r.TakeRecord(&rec));
    EXPECT_EQ(rec.size(), 4u * (i + 1));
  }
}

TEST(RecordReader, RecordOverLimitIsRefusedBeforeBuffering) {
  RecordReader r(1000);
  std::vector<uint8_t> wire;
  PutU32(&wire, kLastFragment | 0x7fffffffu);  // 2 GiB announced
  wire.resize(wire.size() + 16);
  r.Feed(wire);
  EXPECT_EQ(r.state(), RecordReader::State::kTooLarge);
  EXPECT_EQ(r.rejected_length(), 0x7fffffffu);
  EXPECT_EQ(r.Feed(wire), 0u);  // consumes nothing more
}

TEST(RecordReader, FragmentsAddingUpOverLimitAreRefused) {
  RecordReader r(100);
  auto f1 = Fragment(Bytes(60, 0), false);
  auto f2 = Fragment(Bytes(60, 0), true);
  r.Feed(f1);
  EXPECT_EQ(r.state(), RecordReader::State::kOk);
  r.Feed(f2);
  EXPECT_EQ(r.state(), RecordReader::State::kTooLarge);
  EXPECT_EQ(r.rejected_length(), 120u);
}

TEST(RecordReader, DirectSpanReceivesTheBodyInPlace) {
  RecordReader r(1 << 20);
  auto body = Bytes(50000, 3);
  auto wire = Fragment(body, true);
  r.Feed({wire.data(), 4 + 100});  // header and a little of the body
  auto span = r.DirectSpan(16384);
  ASSERT_EQ(span.size(), body.size() - 100);
  std::copy(wire.begin() + 104, wire.begin() + 104 + 1000, span.begin());
  r.CommitDirect(1000);  // a short read
  span = r.DirectSpan(16384);
  ASSERT_EQ(span.size(), body.size() - 1100);
  std::copy(wire.begin() + 1104, wire.end(), span.begin());
  r.CommitDirect(span.size());
  ByteBuffer rec;
  ASSERT_TRUE(r.TakeRecord(&rec));
  EXPECT_EQ(std::vector<uint8_t>(rec.begin(), rec.end()), body);
  EXPECT_TRUE(r.DirectSpan(1).empty());
}

TEST(RecordReader, MidRecordTracksPartialInput) {
  RecordReader r(1024);
  auto wire = Fragment(Bytes(20, 0), true);
  r.Feed({wire.data(), 2});
  EXPECT_TRUE(r.mid_record());
  r.Feed({wire.data() + 2, wire.size() - 2});
  EXPECT_FALSE(r.mid_record());
}

TEST(RecordMark, EncodesLastFragmentBit) {
  uint8_t m[4];
  EncodeRecordMark(0x123, m);
  EXPECT_EQ(m[0], 0x80);
  EXPECT_EQ(m[1], 0x00);
  EXPECT_EQ(m[2], 0x01);
  EXPECT_EQ(m[3], 0x23);
}

}  // namespace
}  // namespace loopfs::rpc
