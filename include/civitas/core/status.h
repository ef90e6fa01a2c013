#pragma once

#include <string>
#include <string_view>
#include <utility>

namespace civitas {

// What went wrong, in the vocabulary of the NGSI-LD error types. The API layer maps each code to
// one HTTP status and ProblemDetails type (api/problem.h); nothing else decides that mapping.
enum class StatusCode {
  kOk = 0,
  kBadRequestData,         // well-formed request whose data is invalid
  kInvalidRequest,         // malformed request: syntax, bad parameter
  kNotFound,               // ResourceNotFound
  kAlreadyExists,
  kOperationNotSupported,
  kTooManyResults,
  kTooComplexQuery,
  kLdContextNotAvailable,  // a referenced @context is not in the local store
  kNotAcceptable,
  kUnsupportedMediaType,
  kNonexistentTenant,
  kUnauthenticated,        // no credentials, or credentials that do not verify (401)
  kPermissionDenied,       // a verified principal without the right (403)
  kTooManyRequests,        // a rate limit or lockout; retry later (429)
  kPayloadTooLarge,        // a request body over the server's limit, e.g. once decompressed (413)
  kIoError,                // storage failure; the operation did not happen
  kInternal,               // a broken invariant
};

// Outcome of an operation: OK, or a code with a human-readable message saying exactly what was
// wrong. Cheap to copy when OK.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return {}; }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

inline Status BadRequestData(std::string message) {
  return {StatusCode::kBadRequestData, std::move(message)};
}
inline Status InvalidRequest(std::string message) {
  return {StatusCode::kInvalidRequest, std::move(message)};
}
inline Status NotFound(std::string message) { return {StatusCode::kNotFound, std::move(message)}; }
inline Status AlreadyExists(std::string message) {
  return {StatusCode::kAlreadyExists, std::move(message)};
}
inline Status IoError(std::string message) { return {StatusCode::kIoError, std::move(message)}; }
inline Status Internal(std::string message) { return {StatusCode::kInternal, std::move(message)}; }

}  // namespace civitas

#define CIVITAS_RETURN_IF_ERROR(expr)              \
  do {                                             \
    ::civitas::Status civitas_status_ = (expr);    \
    if (!civitas_status_.ok()) return civitas_status_; \
  } while (false)
