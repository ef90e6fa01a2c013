#pragma once

// Status → HTTP status + NGSI-LD ProblemDetails, in this one place.

#include <boost/json/object.hpp>

#include "civitas/api/http_server.h"

namespace civitas::api {

http::status HttpStatusOf(StatusCode code);
// {"type": "https://uri.etsi.org/ngsi-ld/errors/<Name>", "title": ..., "detail": ...}
boost::json::object ProblemDetails(const Status& status);

// The shape of error bodies: ProblemDetails everywhere but on the InfluxDB-compatible write
// endpoints, which answer as InfluxDB does so Telegraf and InfluxDB clients read them:
// /api/v2/write {"code": "invalid", "message": ...}, /write (1.x) {"error": ...}.
enum class ErrorDialect { kNgsiLd, kInfluxV2, kInfluxV1 };
ErrorDialect ErrorDialectOf(std::string_view path);

// A complete error response (application/json; the spec's ProblemDetails use application/json).
HttpResponse ProblemResponse(const Status& status, unsigned version,
                             ErrorDialect dialect = ErrorDialect::kNgsiLd);

}  // namespace civitas::api
