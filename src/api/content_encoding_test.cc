// Compressed request bodies: gzip (several members too), identity, the inflated-size limit and
// damaged streams.

#include "src/api/content_encoding.h"

#include <gtest/gtest.h>
#include <unistd.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

namespace civitas::api {
namespace {

// gzip as the command-line tools write it: through a .gz file, one per call and process (ctest
// runs this file's tests in parallel processes sharing TempDir).
std::string Gzip(std::string_view text) {
  static int calls = 0;
  const std::filesystem::path path =
      std::filesystem::path(::testing::TempDir()) /
      ("body-" + std::to_string(::getpid()) + "-" + std::to_string(++calls) + ".gz");
  gzFile file = gzopen(path.c_str(), "wb1");
  EXPECT_NE(file, nullptr);
  EXPECT_EQ(gzwrite(file, text.data(), static_cast<unsigned>(text.size())),
            static_cast<int>(text.size()));
  gzclose(file);
  std::ifstream in(path, std::ios::binary);
  std::string bytes(std::istreambuf_iterator<char>(in), {});
  std::filesystem::remove(path);
  return bytes;
}

HttpRequest Request(std::string body, std::string_view encoding) {
  HttpRequest request{http::verb::post, "/write", 11};
  if (!encoding.empty()) request.set(http::field::content_encoding, encoding);
  request.body() = std::move(body);
  return request;
}

TEST(ContentEncodingTest, PlainBodiesPassThroughGzipIsInflated) {
  std::string storage;
  auto plain = DecodedBody(Request("m f=1", ""), 1024, storage);
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(*plain, "m f=1");
  EXPECT_EQ(*DecodedBody(Request("m f=1", "identity"), 1024, storage), "m f=1");
  const std::string big(300'000, 'x');
  auto inflated = DecodedBody(Request(Gzip(big), "gzip"), 1 << 20, storage);
  ASSERT_TRUE(inflated.ok()) << inflated.status().message();
  EXPECT_EQ(*inflated, big);
  auto members = DecodedBody(Request(Gzip("a\n") + Gzip("b\n"), "GZIP"), 1024, storage);
  ASSERT_TRUE(members.ok()) << members.status().message();
  EXPECT_EQ(*members, "a\nb\n");
}

TEST(ContentEncodingTest, LimitsDamageAndUnknownEncodings) {
  std::string storage;
  const std::string bomb = Gzip(std::string(5'000'000, '0'));
  EXPECT_LT(bomb.size(), 50'000u);
  auto too_big = DecodedBody(Request(bomb, "gzip"), 1'000'000, storage);
  ASSERT_FALSE(too_big.ok());
  EXPECT_EQ(too_big.status().code(), StatusCode::kPayloadTooLarge);
  EXPECT_TRUE(DecodedBody(Request(bomb, "gzip"), 5'000'000, storage).ok()) << "exactly the limit";
  std::string gz = Gzip("some line protocol\n");
  EXPECT_EQ(
      DecodedBody(Request(gz.substr(0, gz.size() - 6), "gzip"), 1024, storage).status().code(),
      StatusCode::kBadRequestData);
  EXPECT_EQ(DecodedBody(Request("not gzip at all", "gzip"), 1024, storage).status().code(),
            StatusCode::kBadRequestData);
  EXPECT_EQ(DecodedBody(Request("x", "br"), 1024, storage).status().code(),
            StatusCode::kUnsupportedMediaType);
}

}  // namespace
}  // namespace civitas::api
