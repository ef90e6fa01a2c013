#include "problem.h"

#include <boost/json/serialize.hpp>

namespace civitas::api {
namespace {

struct ProblemType {
  std::string_view name;
  std::string_view title;
};

ProblemType TypeOf(StatusCode code) {
  switch (code) {
    case StatusCode::kBadRequestData:
      return {"BadRequestData", "Bad request data"};
    case StatusCode::kInvalidRequest:
      return {"InvalidRequest", "Invalid request"};
    case StatusCode::kNotFound:
      return {"ResourceNotFound", "Resource not found"};
    case StatusCode::kAlreadyExists:
      return {"AlreadyExists", "Already exists"};
    case StatusCode::kOperationNotSupported:
      return {"OperationNotSupported", "Operation not supported"};
    case StatusCode::kTooManyResults:
      return {"TooManyResults", "Too many results"};
    case StatusCode::kTooComplexQuery:
      return {"TooComplexQuery", "Query too complex"};
    case StatusCode::kLdContextNotAvailable:
      return {"LdContextNotAvailable", "JSON-LD context not available"};
    case StatusCode::kNotAcceptable:
      return {"NotAcceptable", "Not acceptable"};
    case StatusCode::kUnsupportedMediaType:
      return {"UnsupportedMediaType", "Unsupported media type"};
    case StatusCode::kNonexistentTenant:
      return {"NonexistentTenant", "Tenant does not exist"};
    case StatusCode::kUnauthenticated:
      return {"Unauthorized", "Authentication required"};
    case StatusCode::kPermissionDenied:
      return {"Forbidden", "Permission denied"};
    case StatusCode::kTooManyRequests:
      return {"TooManyRequests", "Too many requests"};
    case StatusCode::kIoError:
    case StatusCode::kInternal:
    case StatusCode::kOk:
      break;
  }
  return {"InternalError", "Internal error"};
}

}  // namespace

http::status HttpStatusOf(StatusCode code) {
  switch (code) {
    case StatusCode::kOk:
      return http::status::ok;
    case StatusCode::kBadRequestData:
    case StatusCode::kInvalidRequest:
      return http::status::bad_request;
    case StatusCode::kNotFound:
    case StatusCode::kNonexistentTenant:
      return http::status::not_found;
    case StatusCode::kAlreadyExists:
      return http::status::conflict;
    case StatusCode::kOperationNotSupported:
      return http::status::unprocessable_entity;
    case StatusCode::kTooManyResults:
    case StatusCode::kTooComplexQuery:
      return http::status::forbidden;
    case StatusCode::kLdContextNotAvailable:
      return http::status::service_unavailable;
    case StatusCode::kNotAcceptable:
      return http::status::not_acceptable;
    case StatusCode::kUnsupportedMediaType:
      return http::status::unsupported_media_type;
    case StatusCode::kUnauthenticated:
      return http::status::unauthorized;
    case StatusCode::kPermissionDenied:
      return http::status::forbidden;
    case StatusCode::kTooManyRequests:
      return http::status::too_many_requests;
    case StatusCode::kIoError:
    case StatusCode::kInternal:
      return http::status::internal_server_error;
  }
  return http::status::internal_server_error;
}

boost::json::object ProblemDetails(const Status& status) {
  ProblemType type = TypeOf(status.code());
  boost::json::object out;
  out["type"] = std::string("https://uri.etsi.org/ngsi-ld/errors/").append(type.name);
  out["title"] = type.title;
  out["detail"] = status.message();
  return out;
}

HttpResponse ProblemResponse(const Status& status, unsigned version) {
  HttpResponse res{HttpStatusOf(status.code()), version};
  res.set(http::field::content_type, "application/json");
  res.body() = boost::json::serialize(ProblemDetails(status));
  return res;
}

}  // namespace civitas::api
