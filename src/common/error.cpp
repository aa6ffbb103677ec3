#include "common/error.h"

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

void throw_exception_from_error(const Error& e, const boost::source_location&) {
  throw ApiError(e);
}

}  // namespace syncline
