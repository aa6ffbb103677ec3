#include "common/error.h"

#include <algorithm>

namespace syncline {

Error bad_request(std::string code, std::string message) {
  return Error{400, std::move(code), std::move(message), {}, {}};
}
Error unauthorized(std::string message) {
  return Error{401, "UNAUTHORIZED", std::move(message), {}, {}};
}
Error forbidden(std::string message) {
  return Error{403, "FORBIDDEN", std::move(message), {}, {}};
}
Error not_found(std::string message) {
  return Error{404, "NOT_FOUND", std::move(message), {}, {}};
}
Error conflict(std::string code, std::string message) {
  return Error{409, std::move(code), std::move(message), {}, {}};
}
Error unprocessable(std::string code, std::string message) {
  return Error{422, std::move(code), std::move(message), {}, {}};
}

Error too_many_requests(std::string code, std::string message, int retry_after_s) {
  return Error{429, std::move(code), std::move(message), {}, {}, std::max(1, retry_after_s)};
}
Error unavailable(std::string code, std::string message, int retry_after_s) {
  return Error{503, std::move(code), std::move(message), {}, {}, std::max(1, retry_after_s)};
}

void throw_exception_from_error(const Error& e, const boost::source_location&) {
  throw ApiError(e);
}

}  // namespace syncline
