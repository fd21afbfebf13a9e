#include "layers/encrypt/core/block_layout.h"

#include <gtest/gtest.h>

#include <limits>
#include <set>

#include "layers/encrypt/core/status.h"

namespace {

constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();

uint64_t Expected(uint64_t plain) {
  if (plain == 0) return 0;
  return 18 + plain + 32 * ((plain + 4095) / 4096);
}

TEST(BlockLayout, EveryPlainSizeUpToThreeBlocksPlusOne) {
  for (uint64_t plain = 0; plain <= 3 * 4096 + 1; plain++) {
    uint64_t cipher = 0;
    ASSERT_EQ(lfenc_cipher_size(plain, &cipher), LFENC_OK) << plain;
    ASSERT_EQ(cipher, Expected(plain)) << plain;
    uint64_t back = 1;
    ASSERT_EQ(lfenc_plain_size(cipher, &back), LFENC_OK) << cipher;
    ASSERT_EQ(back, plain);
  }
}

TEST(BlockLayout, SpotValues) {
  uint64_t c = 0;
  ASSERT_EQ(lfenc_cipher_size(1, &c), LFENC_OK);
  EXPECT_EQ(c, 51u);
  ASSERT_EQ(lfenc_cipher_size(4096, &c), LFENC_OK);
  EXPECT_EQ(c, 18u + 4128u);
  ASSERT_EQ(lfenc_cipher_size(4097, &c), LFENC_OK);
  EXPECT_EQ(c, 18u + 4128u + 33u);
  ASSERT_EQ(lfenc_cipher_size((1 << 20) + 3, &c), LFENC_OK);
  EXPECT_EQ(c, 18u + 256u * 4128u + 35u);
}

// Exactly the sizes some plaintext maps to are valid, plus a header-only file.
TEST(BlockLayout, EveryCipherSizeIsClassified) {
  std::set<uint64_t> valid = {18};
  for (uint64_t plain = 0; plain <= 3 * 4096 + 1; plain++) valid.insert(Expected(plain));
  const uint64_t limit = Expected(3 * 4096 + 1);
  for (uint64_t cipher = 0; cipher <= limit; cipher++) {
    uint64_t plain = 0;
    const int rc = lfenc_plain_size(cipher, &plain);
    if (valid.count(cipher) != 0) {
      ASSERT_EQ(rc, LFENC_OK) << cipher;
    } else {
      ASSERT_EQ(rc, LFENC_ERR_SIZE) << cipher;
    }
  }
}

TEST(BlockLayout, TornSizesAreReported) {
  uint64_t plain = 0;
  for (uint64_t c : {1ull, 17ull, 19ull, 50ull, 18ull + 4128 + 1, 18ull + 4128 + 32}) {
    EXPECT_EQ(lfenc_plain_size(c, &plain), LFENC_ERR_SIZE) << c;
  }
  EXPECT_EQ(lfenc_plain_size(18, &plain), LFENC_OK);
  EXPECT_EQ(plain, 0u);
}

TEST(BlockLayout, LargeSizesRoundTripOrOverflow) {
  for (uint64_t plain : {uint64_t{1} << 40, (uint64_t{1} << 62) + 12345, kMax / 2}) {
    uint64_t cipher = 0;
    ASSERT_EQ(lfenc_cipher_size(plain, &cipher), LFENC_OK) << plain;
    EXPECT_EQ(cipher, Expected(plain));
    uint64_t back = 0;
    ASSERT_EQ(lfenc_plain_size(cipher, &back), LFENC_OK);
    EXPECT_EQ(back, plain);
  }
  uint64_t cipher = 0;
  EXPECT_EQ(lfenc_cipher_size(kMax, &cipher), LFENC_ERR_RANGE);
  EXPECT_EQ(lfenc_cipher_size(kMax - 18, &cipher), LFENC_ERR_RANGE);
  // Near the top, every valid ciphertext size round-trips, and the next plaintext overflows.
  uint64_t largest_plain = 0;
  for (uint64_t c = kMax; c > kMax - uint64_t{3} * 4128; c--) {
    uint64_t plain = 0;
    if (lfenc_plain_size(c, &plain) != LFENC_OK) continue;
    uint64_t again = 0;
    ASSERT_EQ(lfenc_cipher_size(plain, &again), LFENC_OK);
    ASSERT_EQ(again, c);
    largest_plain = std::max(largest_plain, plain);
  }
  ASSERT_GT(largest_plain, 0u);
  EXPECT_EQ(lfenc_cipher_size(largest_plain + 1, &cipher), LFENC_ERR_RANGE);
}

TEST(BlockLayout, BlockNumbersAndOffsets) {
  EXPECT_EQ(lfenc_block_no(0), 0u);
  EXPECT_EQ(lfenc_block_no(4095), 0u);
  EXPECT_EQ(lfenc_block_no(4096), 1u);
  EXPECT_EQ(lfenc_block_offset(4097), 1u);
  uint64_t off = 0;
  ASSERT_EQ(lfenc_block_cipher_offset(0, &off), LFENC_OK);
  EXPECT_EQ(off, 18u);
  ASSERT_EQ(lfenc_block_cipher_offset(3, &off), LFENC_OK);
  EXPECT_EQ(off, 18u + 3 * 4128u);
  const uint64_t last = (kMax - 18) / 4128;
  ASSERT_EQ(lfenc_block_cipher_offset(last, &off), LFENC_OK);
  EXPECT_EQ(lfenc_block_cipher_offset(last + 1, &off), LFENC_ERR_RANGE);
  EXPECT_EQ(lfenc_block_cipher_offset(kMax, &off), LFENC_ERR_RANGE);
}

TEST(BlockLayout, Spans) {
  lfenc_span span;
  ASSERT_EQ(lfenc_span_of(0, 1, &span), LFENC_OK);
  EXPECT_EQ(span.first_block, 0u);
  EXPECT_EQ(span.block_count, 1u);
  EXPECT_EQ(span.cipher_offset, 18u);
  EXPECT_EQ(span.cipher_len, 4128u);
  ASSERT_EQ(lfenc_span_of(4095, 2, &span), LFENC_OK);
  EXPECT_EQ(span.block_count, 2u);
  EXPECT_EQ(span.cipher_len, 2 * 4128u);
  ASSERT_EQ(lfenc_span_of(8192, 1 << 20, &span), LFENC_OK);
  EXPECT_EQ(span.first_block, 2u);
  EXPECT_EQ(span.block_count, 256u);
  EXPECT_EQ(span.cipher_offset, 18u + 2 * 4128u);
  EXPECT_EQ(lfenc_span_of(0, 0, &span), LFENC_ERR_ARG);
  EXPECT_EQ(lfenc_span_of(kMax, 2, &span), LFENC_ERR_RANGE);
  EXPECT_EQ(lfenc_span_of(kMax, 1, &span), LFENC_ERR_RANGE);
  EXPECT_EQ(lfenc_span_of(0, kMax, &span), LFENC_ERR_RANGE);
}

}  // namespace
