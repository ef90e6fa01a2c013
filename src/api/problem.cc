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
    case StatusCode::kPayloadTooLarge:
      return {"BadRequestData", "Request too large"};
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
    case StatusCode::kPayloadTooLarge:
      return http::status::payload_too_large;
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

ErrorDialect ErrorDialectOf(std::string_view path) {
  if (path == "/api/v2/write") return ErrorDialect::kInfluxV2;
  if (path == "/write") return ErrorDialect::kInfluxV1;
  return ErrorDialect::kNgsiLd;
}

namespace {

// InfluxDB 2's error codes (its API reference: "invalid", "unauthorized", ...).
std::string_view InfluxCodeOf(http::status status) {
  switch (status) {
    case http::status::bad_request:
    case http::status::unsupported_media_type:
      return "invalid";
    case http::status::unauthorized:
      return "unauthorized";
    case http::status::forbidden:
      return "forbidden";
    case http::status::not_found:
      return "not found";
    case http::status::payload_too_large:
      return "request too large";
    case http::status::too_many_requests:
      return "too many requests";
    default:
      return "internal error";
  }
}

}  // namespace

HttpResponse ProblemResponse(const Status& status, unsigned version, ErrorDialect dialect) {
  HttpResponse res{HttpStatusOf(status.code()), version};
  res.set(http::field::content_type, "application/json");
  switch (dialect) {
    case ErrorDialect::kNgsiLd:
      res.body() = boost::json::serialize(ProblemDetails(status));
      break;
    case ErrorDialect::kInfluxV2:
      res.body() = boost::json::serialize(boost::json::object{
          {"code", InfluxCodeOf(res.result())}, {"message", status.message()}});
      break;
    case ErrorDialect::kInfluxV1:
      res.body() = boost::json::serialize(boost::json::object{{"error", status.message()}});
      break;
  }
  return res;
}

}  // namespace civitas::api
