#include "common/error.h"

#include <algorithm>
#include <stdexcept>

namespace syncline {

Error make_error(ErrorKind kind, std::string code, std::string message) {
  return Error{kind, std::move(code), std::move(message), {}, {}};
}
Error bad_request(std::string code, std::string message) {
  return make_error(ErrorKind::kInvalid, std::move(code), std::move(message));
}
Error unauthorized(std::string message) {
  return make_error(ErrorKind::kUnauthenticated, "UNAUTHORIZED", std::move(message));
}
Error unauthorized(std::string code, std::string message) {
  return make_error(ErrorKind::kUnauthenticated, std::move(code), std::move(message));
}
Error forbidden(std::string message) {
  return make_error(ErrorKind::kForbidden, "FORBIDDEN", std::move(message));
}
Error not_found(std::string message) {
  return make_error(ErrorKind::kNotFound, "NOT_FOUND", std::move(message));
}
Error conflict(std::string code, std::string message) {
  return make_error(ErrorKind::kConflict, std::move(code), std::move(message));
}
Error unprocessable(std::string code, std::string message) {
  return make_error(ErrorKind::kUnprocessable, std::move(code), std::move(message));
}

Error too_many_requests(std::string code, std::string message, int retry_after_s) {
  auto e = make_error(ErrorKind::kRateLimited, std::move(code), std::move(message));
  e.retry_after = std::max(1, retry_after_s);
  return e;
}
Error unavailable(std::string code, std::string message, int retry_after_s) {
  auto e = make_error(ErrorKind::kUnavailable, std::move(code), std::move(message));
  e.retry_after = std::max(1, retry_after_s);
  return e;
}
Error internal_error() {
  return make_error(ErrorKind::kInternal, "INTERNAL", "internal error");
}

void throw_exception_from_error(const Error& e, const boost::source_location&) {
  throw std::runtime_error(e.code + ": " + e.message);
}

}  // namespace syncline
