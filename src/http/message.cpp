#include "http/message.h"
#include "common/json_parse.h"
#include "common/json_text.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "common/strings.h"

namespace syncline::http {

namespace json = boost::json;

std::optional<std::string> Request::header(const std::string& lower_name) const {
  auto it = headers.find(lower_name);
  if (it == headers.end()) return std::nullopt;
  return it->second;
}

std::optional<std::string> Request::query_param(const std::string& name) const {
  for (const auto& [k, v] : query)
    if (k == name) return v;
  return std::nullopt;
}

std::optional<std::string> Request::cookie(const std::string& name) const {
  auto h = header("cookie");
  if (!h) return std::nullopt;
  for (auto part : split(*h, ';')) {
    auto kv = trim(part);
    auto eq = kv.find('=');
    if (eq == std::string_view::npos) continue;
    if (trim(kv.substr(0, eq)) == name) return std::string(trim(kv.substr(eq + 1)));
  }
  return std::nullopt;
}

Response json_response(int status, const json::value& v) {
  Response r;
  r.status = status;
  r.body = json_text(v);
  return r;
}

// The one place an error's kind becomes an HTTP status.
int http_status(ErrorKind k) {
  switch (k) {
    case ErrorKind::kInvalid:
      return 400;
    case ErrorKind::kUnauthenticated:
      return 401;
    case ErrorKind::kForbidden:
      return 403;
    case ErrorKind::kNotFound:
      return 404;
    case ErrorKind::kMethodNotAllowed:
      return 405;
    case ErrorKind::kConflict:
      return 409;
    case ErrorKind::kTooLarge:
      return 413;
    case ErrorKind::kUnsupportedMediaType:
      return 415;
    case ErrorKind::kUnprocessable:
      return 422;
    case ErrorKind::kRateLimited:
      return 429;
    case ErrorKind::kUnavailable:
      return 503;
    case ErrorKind::kInternal:
      break;
  }
  return 500;
}

Response error_response(const Error& e) {
  json::object err = e.details;
  err["code"] = e.code;
  err["message"] = e.message;
  json::object body = e.body_extra;
  body["error"] = std::move(err);
  Response r = json_response(http_status(e.kind), body);
  if (e.kind == ErrorKind::kUnauthenticated) r.headers.emplace_back("WWW-Authenticate", "Bearer");
  if (e.retry_after > 0) r.headers.emplace_back("Retry-After", std::to_string(e.retry_after));
  return r;
}

std::string header_lines(const Response& r) {
  std::string out;
  for (const auto& [k, v] : r.headers) out += k + ": " + v + "\r\n";
  return out;
}

Response no_content() {
  Response r;
  r.status = 204;
  r.content_type.clear();
  return r;
}

bool declares_json(const Request& req) {
  auto ct = req.header("content-type").value_or("");
  return to_lower(trim(ct.substr(0, ct.find(';')))) == "application/json";
}

Result<json::object> parse_json_object(const Request& req) {
  if (!declares_json(req))
    return make_error(ErrorKind::kUnsupportedMediaType, "UNSUPPORTED_MEDIA_TYPE",
                      "request body must be application/json");
  boost::system::error_code ec;
  json::parse_options opts;
  opts.max_depth = 32;
  auto v = parse_json(req.body, ec, opts);
  if (ec) return bad_request("INVALID_JSON", "request body is not valid JSON: " + ec.message());
  if (!v.is_object()) return bad_request("INVALID_BODY", "request body must be a JSON object");
  return std::move(v.as_object());
}

}  // namespace syncline::http
