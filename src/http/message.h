// Request/Response: the transport-neutral HTTP messages handlers see. Handlers never see
// Beast; handlers are plain functions of these, run on worker threads.
#pragma once

#include <boost/json/value.hpp>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/error.h"

namespace syncline::http {

struct Request {
  std::string method;                                      // upper case, e.g. "GET"
  std::string path;                                        // percent-decoded path, no query
  std::vector<std::pair<std::string, std::string>> query;  // decoded, in order
  std::map<std::string, std::string> headers;              // keys lower-cased
  std::string body;
  std::map<std::string, std::string> params;  // route parameters, e.g. {"o": "acme"}
  std::string peer;                           // the socket peer's address ("" if unknown)

  std::optional<std::string> header(const std::string& lower_name) const;
  std::optional<std::string> query_param(const std::string& name) const;
  std::optional<std::string> cookie(const std::string& name) const;
  const std::string& param(const std::string& name) const { return params.at(name); }
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

Response json_response(int status, const boost::json::value& v);
int http_status(ErrorKind k);
Response error_response(const Error& e);
Response no_content();
// r.headers as header lines ("Name: value\r\n" each), for heads written without Beast.
std::string header_lines(const Response& r);

// Whether the request says Content-Type: application/json (parameters aside).
bool declares_json(const Request& req);
// Parses a JSON request body: requires Content-Type application/json (415), valid UTF-8
// JSON (400 INVALID_JSON) and an object at the top level (400 INVALID_BODY).
Result<boost::json::object> parse_json_object(const Request& req);

}  // namespace syncline::http
