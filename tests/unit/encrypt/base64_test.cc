#include "layers/encrypt/core/base64.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "layers/encrypt/core/status.h"

namespace {

std::string Encode(lfenc_base64_variant v, std::string_view in) {
  std::string out(lfenc_base64_encoded_len(v, in.size()) + 1, 'X');
  size_t len = 0;
  EXPECT_EQ(lfenc_base64_encode(v, reinterpret_cast<const uint8_t*>(in.data()), in.size(),
                                out.data(), out.size(), &len),
            LFENC_OK);
  EXPECT_EQ(out[len], '\0');
  out.resize(len);
  return out;
}

int Decode(lfenc_base64_variant v, std::string_view in, std::string* out) {
  std::vector<uint8_t> buf(in.size() + 3);
  size_t len = 0;
  const int rc = lfenc_base64_decode(v, in.data(), in.size(), buf.data(), buf.size(), &len);
  out->assign(reinterpret_cast<const char*>(buf.data()), len);
  return rc;
}

// RFC 4648 section 10.
TEST(Base64, Rfc4648Vectors) {
  const std::pair<const char*, const char*> vectors[] = {{"", ""},
                                                         {"f", "Zg=="},
                                                         {"fo", "Zm8="},
                                                         {"foo", "Zm9v"},
                                                         {"foob", "Zm9vYg=="},
                                                         {"fooba", "Zm9vYmE="},
                                                         {"foobar", "Zm9vYmFy"}};
  for (const auto& [plain, encoded] : vectors) {
    EXPECT_EQ(Encode(LFENC_BASE64_STD_PAD, plain), encoded);
    std::string raw = encoded;
    raw.erase(raw.find_last_not_of('=') + 1);
    if (raw == "=") raw.clear();
    EXPECT_EQ(Encode(LFENC_BASE64_URL_RAW, plain), raw);
    std::string back;
    ASSERT_EQ(Decode(LFENC_BASE64_STD_PAD, encoded, &back), LFENC_OK) << encoded;
    EXPECT_EQ(back, plain);
    ASSERT_EQ(Decode(LFENC_BASE64_URL_RAW, raw, &back), LFENC_OK) << raw;
    EXPECT_EQ(back, plain);
  }
}

TEST(Base64, AlphabetsDiffer) {
  const std::string bytes("\xfb\xff\xbf", 3);
  EXPECT_EQ(Encode(LFENC_BASE64_STD_PAD, bytes), "+/+/");
  EXPECT_EQ(Encode(LFENC_BASE64_URL_RAW, bytes), "-_-_");
  std::string out;
  EXPECT_EQ(Decode(LFENC_BASE64_URL_RAW, "+/+/", &out), LFENC_ERR_FORMAT);
  EXPECT_EQ(Decode(LFENC_BASE64_STD_PAD, "-_-_", &out), LFENC_ERR_FORMAT);
}

TEST(Base64, RefusesNonCanonicalInput) {
  std::string out;
  for (const char* bad :
       {"Zh==", "Zm9=", "Zg=", "Z===", "Zg=a", "Zm9v\n", "Zm 9v", "=Zg=", "Zm9vYg=\0"}) {
    EXPECT_EQ(Decode(LFENC_BASE64_STD_PAD, bad, &out), LFENC_ERR_FORMAT) << bad;
  }
  for (const char* bad : {"Z", "Zh", "Zm9", "Zg==", "Zm9v=", "Zm.v", "Zm9vY"}) {
    EXPECT_EQ(Decode(LFENC_BASE64_URL_RAW, bad, &out), LFENC_ERR_FORMAT) << bad;
  }
}

TEST(Base64, ShortBuffersAreRefused) {
  uint8_t bytes[3] = {1, 2, 3};
  char text[4];
  size_t len = 0;
  EXPECT_EQ(lfenc_base64_encode(LFENC_BASE64_STD_PAD, bytes, 3, text, 3, &len), LFENC_ERR_ARG);
  EXPECT_EQ(lfenc_base64_encode(LFENC_BASE64_STD_PAD, bytes, 3, text, 4, &len), LFENC_OK);
  uint8_t out[2];
  EXPECT_EQ(lfenc_base64_decode(LFENC_BASE64_STD_PAD, "AQID", 4, out, 2, &len), LFENC_ERR_ARG);
}

TEST(Base64, RoundTripsAllLengths) {
  for (size_t n = 0; n < 300; n++) {
    std::string bytes(n, '\0');
    for (size_t i = 0; i < n; i++) bytes[i] = static_cast<char>(i * 37 + n);
    for (auto v : {LFENC_BASE64_STD_PAD, LFENC_BASE64_URL_RAW}) {
      std::string back;
      ASSERT_EQ(Decode(v, Encode(v, bytes), &back), LFENC_OK);
      ASSERT_EQ(back, bytes);
    }
  }
}

}  // namespace
