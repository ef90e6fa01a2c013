#pragma once

// Request bodies sent compressed (Content-Encoding: gzip, as Telegraf and the InfluxDB clients
// send them by default). Internal to api/.

#include <string>
#include <string_view>

#include "civitas/api/http_server.h"

namespace civitas::api {

// The request's body: as sent ("identity" or no Content-Encoding), or inflated into `storage`
// for "gzip" (several gzip members are inflated one after the other). kPayloadTooLarge when the
// inflated body would exceed `limit` bytes (a small body can inflate to gigabytes);
// kBadRequestData for a damaged gzip stream; kUnsupportedMediaType for any other encoding.
Result<std::string_view> DecodedBody(const HttpRequest& request, size_t limit,
                                     std::string& storage);

}  // namespace civitas::api
