#include "src/api/content_encoding.h"

#include <zlib.h>

#include <algorithm>
#include <memory>

namespace civitas::api {
namespace {

struct InflateStream {
  z_stream z{};
  bool open = false;
  ~InflateStream() {
    if (open) inflateEnd(&z);
  }
};

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

Result<std::string_view> DecodedBody(const HttpRequest& request, size_t limit,
                                     std::string& storage) {
  std::string_view encoding = request[http::field::content_encoding];
  while (!encoding.empty() && encoding.back() == ' ') encoding.remove_suffix(1);
  while (!encoding.empty() && encoding.front() == ' ') encoding.remove_prefix(1);
  const std::string name = Lower(encoding);
  if (name.empty() || name == "identity") return std::string_view(request.body());
  if (name != "gzip" && name != "x-gzip") {
    return Status(StatusCode::kUnsupportedMediaType, "Content-Encoding must be gzip or identity");
  }
  const std::string& body = request.body();
  InflateStream stream;
  // 16 + MAX_WBITS: a gzip header and trailer, not a raw zlib stream.
  if (inflateInit2(&stream.z, 16 + MAX_WBITS) != Z_OK) return Internal("zlib did not start");
  stream.open = true;
  stream.z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(body.data()));
  stream.z.avail_in = static_cast<uInt>(body.size());
  storage.clear();
  // One byte past the limit tells a body of exactly `limit` bytes from a larger one.
  const size_t cap = limit + 1;
  storage.resize(std::min(cap, std::max<size_t>(body.size() * 4, 64 * 1024)));
  size_t produced = 0;
  for (;;) {
    if (produced == storage.size()) storage.resize(std::min(cap, storage.size() * 2));
    stream.z.next_out = reinterpret_cast<Bytef*>(storage.data() + produced);
    stream.z.avail_out = static_cast<uInt>(std::min<size_t>(storage.size() - produced, 1u << 30));
    const uInt before = stream.z.avail_out;
    const int rc = inflate(&stream.z, Z_NO_FLUSH);
    produced += before - stream.z.avail_out;
    if (produced > limit) {
      return Status(StatusCode::kPayloadTooLarge,
                    "the request body exceeds the server's limit once decompressed");
    }
    if (rc == Z_STREAM_END) {
      if (stream.z.avail_in == 0) break;
      if (inflateReset(&stream.z) != Z_OK) return BadRequestData("the gzip body is damaged");
      continue;  // a further gzip member
    }
    if (rc == Z_BUF_ERROR && stream.z.avail_out > 0) {
      return BadRequestData("the gzip body is truncated");
    }
    if (rc != Z_OK && rc != Z_BUF_ERROR) return BadRequestData("the gzip body is damaged");
  }
  storage.resize(produced);
  return std::string_view(storage);
}

}  // namespace civitas::api
