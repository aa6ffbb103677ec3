// Error: the one error value of the API surface. It carries the HTTP status it maps to, a
// stable machine-readable code (clients test the code, never the message) and extra JSON
// members merged into the `error` object (e.g. FIELD_CONFLICT details).
#pragma once

#include <boost/json/object.hpp>
#include <boost/system/result.hpp>
#include <stdexcept>
#include <string>

namespace syncline {

struct Error {
  int status = 500;
  std::string code;
  std::string message;
  boost::json::object details;     // merged into {"error": {...}}
  boost::json::object body_extra;  // merged beside "error" at the top level
  int retry_after = 0;             // seconds; > 0 adds a Retry-After header (429, 503)
};

Error bad_request(std::string code, std::string message);
Error unauthorized(std::string message = "authentication required");
Error forbidden(std::string message = "not allowed");
Error not_found(std::string message = "not found");
Error conflict(std::string code, std::string message);
Error unprocessable(std::string code, std::string message);
// 429 (this client is over its limit) and 503 (this node is full), both with Retry-After.
Error too_many_requests(std::string code, std::string message, int retry_after_s);
Error unavailable(std::string code, std::string message, int retry_after_s);

// Result<T>: expected failures (validation, lookups) are values.
template <class T>
using Result = boost::system::result<T, Error>;

// ApiError aborts the current operation (its transaction rolls back by RAII) and is turned
// into a response at the handler boundary. Thrown only on worker threads, never across the
// event loop.
class ApiError : public std::runtime_error {
 public:
  explicit ApiError(Error e) : std::runtime_error(e.message), error_(std::move(e)) {}
  const Error& error() const { return error_; }

 private:
  Error error_;
};

[[noreturn]] void throw_exception_from_error(const Error& e, const boost::source_location&);

// Unwraps a Result or throws its error as ApiError.
template <class T>
T value_or_throw(Result<T>&& r) {
  if (!r) throw ApiError(r.error());
  return std::move(*r);
}
inline void value_or_throw(Result<void>&& r) {
  if (!r) throw ApiError(r.error());
}

}  // namespace syncline
