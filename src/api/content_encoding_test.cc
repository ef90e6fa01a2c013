// Compressed request bodies: gzip (several members too), identity, the inflated-size limit and
// damaged streams.

#include "src/api/content_encoding.h"

#include <zlib.h>

#include <gtest/gtest.h>

namespace civitas::api {
namespace {

std::string Gzip(std::string_view text) {
  z_stream z{};
  EXPECT_EQ(deflateInit2(&z, Z_BEST_SPEED, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY),
            Z_OK);
  std::string out(deflateBound(&z, text.size()) + 64, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
  z.avail_in = static_cast<uInt>(text.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&z, Z_FINISH), Z_STREAM_END);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
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
  EXPECT_EQ(DecodedBody(Request(gz.substr(0, gz.size() - 6), "gzip"), 1024, storage)
                .status()
                .code(),
            StatusCode::kBadRequestData);
  EXPECT_EQ(DecodedBody(Request("not gzip at all", "gzip"), 1024, storage).status().code(),
            StatusCode::kBadRequestData);
  EXPECT_EQ(DecodedBody(Request("x", "br"), 1024, storage).status().code(),
            StatusCode::kUnsupportedMediaType);
}

}  // namespace
}  // namespace civitas::api
