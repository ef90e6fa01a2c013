// CORS for the portal and other browser clients (Fetch standard): allowed origins only.

#include "src/api/access_control_impl.h"

namespace civitas::api {

std::string_view AccessControl::Impl::AllowedOrigin(const HttpRequest& request) const {
  std::string_view origin = request[http::field::origin];
  if (origin.empty() || options.cors_origins.empty()) return {};
  for (const auto& allowed : options.cors_origins) {
    if (allowed == "*" || allowed == origin) return origin;
  }
  return {};
}

Reply CorsPreflight(const HttpRequest& request, std::string_view origin) {
  Reply reply;
  reply.response = HttpResponse{http::status::no_content, request.version()};
  reply.response.set(http::field::access_control_allow_methods,
                     "GET, POST, PUT, PATCH, DELETE, OPTIONS");
  reply.response.set(http::field::access_control_allow_headers,
                     "Authorization, Content-Type, Accept, Link, NGSILD-Tenant");
  reply.response.set(http::field::access_control_max_age, "600");
  AddCorsHeaders(reply, origin);
  return reply;
}

void AddCorsHeaders(Reply& reply, std::string_view origin) {
  // The echoed origin, not "*": responses to credentialed requests may not use the wildcard.
  reply.response.set(http::field::access_control_allow_origin, origin);
  reply.response.set(http::field::vary, "Origin");
  reply.response.set(http::field::access_control_expose_headers,
                     "Link, Location, NGSILD-Results-Count, Content-Range, Retry-After");
}

}  // namespace civitas::api
