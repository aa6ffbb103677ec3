// Error: the one error value of the request path. Its kind says what went wrong in the terms
// of the domain (src/http maps each kind to an HTTP status, in one place: http/message.cpp); a
// stable machine-readable code (clients test the code, never the message) and extra JSON
// members merged into the `error` object (e.g. FIELD_CONFLICT details).
#pragma once

#include <boost/json/object.hpp>
#include <boost/system/result.hpp>
#include <stdexcept>
#include <string>

namespace syncline {

enum class ErrorKind {
  kInvalid,          // the input is malformed or out of bounds
  kUnauthenticated,  // no valid credential
  kForbidden,        // authenticated, not allowed
  kNotFound,
  kConflict,       // the state moved on (FIELD_CONFLICT, SLUG_TAKEN, OFFSET_INVALID …)
  kUnprocessable,  // well-formed but impossible (INVALID_REFERENCE, TRANSACTION_ID_REUSED …)
  kRateLimited,    // this client is over its limit (retry_after)
  kUnavailable,    // this node or the database cannot serve it now (retry_after)
  kInternal,       // our bug
  // Only the HTTP layer makes these (they are about the request's form, not the domain):
  kMethodNotAllowed,
  kTooLarge,
  kUnsupportedMediaType,
};

struct Error {
  ErrorKind kind = ErrorKind::kInternal;
  std::string code;
  std::string message;
  boost::json::object details;     // merged into {"error": {...}}
  boost::json::object body_extra;  // merged beside "error" at the top level
  int retry_after = 0;             // seconds; > 0 adds a Retry-After header (429, 503)
};

Error make_error(ErrorKind kind, std::string code, std::string message);
Error bad_request(std::string code, std::string message);
Error unauthorized(std::string message = "authentication required");
Error unauthorized(std::string code, std::string message);
Error forbidden(std::string message = "not allowed");
Error not_found(std::string message = "not found");
Error conflict(std::string code, std::string message);
Error unprocessable(std::string code, std::string message);
// 429 (this client is over its limit) and 503 (this node is full), both with Retry-After.
Error too_many_requests(std::string code, std::string message, int retry_after_s);
Error unavailable(std::string code, std::string message, int retry_after_s);
Error internal_error();

// Result<T>: expected failures (validation, lookups) are values.
template <class T>
using Result = boost::system::result<T, Error>;

// result.value() on an error (local commands only, never the request path) throws
// std::runtime_error with the message.
[[noreturn]] void throw_exception_from_error(const Error& e, const boost::source_location&);

}  // namespace syncline
