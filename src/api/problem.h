#pragma once

// Status → HTTP status + NGSI-LD ProblemDetails, in this one place.

#include <boost/json/object.hpp>

#include "civitas/api/http_server.h"

namespace civitas::api {

http::status HttpStatusOf(StatusCode code);
// {"type": "https://uri.etsi.org/ngsi-ld/errors/<Name>", "title": ..., "detail": ...}
boost::json::object ProblemDetails(const Status& status);
// A complete error response (application/json, or application/problem+json... as the spec:
// application/json).
HttpResponse ProblemResponse(const Status& status, unsigned version);

}  // namespace civitas::api
