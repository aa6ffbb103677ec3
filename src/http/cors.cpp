#include "http/cors.h"

#include <algorithm>
#include <boost/url/parse.hpp>

namespace syncline::http {

namespace {

constexpr const char* kAllowMethods = "GET, HEAD, POST, PUT, PATCH, DELETE";
constexpr const char* kAllowHeaders = "Authorization, Content-Type, Last-Event-ID";
constexpr const char* kExposeHeaders = "Stream-Next-Offset, Retry-After";
constexpr const char* kMaxAgeSeconds = "600";

// The Origin header when it is one of `origins` (compared exactly, as browsers send it).
const std::string* listed_origin(const std::vector<std::string>& origins, const Request& req) {
  if (origins.empty()) return nullptr;
  auto it = req.headers.find("origin");
  if (it == req.headers.end()) return nullptr;
  auto match = std::find(origins.begin(), origins.end(), it->second);
  return match == origins.end() ? nullptr : &*match;
}

}  // namespace

std::optional<std::string> invalid_cors_origin(std::string_view origin) {
  auto u = boost::urls::parse_absolute_uri(origin);
  if (!u) return "not an absolute URL";
  if (u->scheme() != "http" && u->scheme() != "https") return "the scheme is not http or https";
  if (!u->has_authority() || u->host().empty()) return "there is no host";
  if (u->has_userinfo()) return "an origin has no user info";
  if (!u->encoded_path().empty()) return "an origin has no path (not even a trailing '/')";
  if (u->has_query() || u->has_fragment()) return "an origin has no query or fragment";
  if (std::any_of(origin.begin(), origin.end(), [](char c) { return c >= 'A' && c <= 'Z'; }))
    return "browsers send origins in lower case";
  return std::nullopt;
}

std::optional<Response> cors_preflight(const std::vector<std::string>& origins,
                                       const Request& req) {
  if (req.method != "OPTIONS" || !req.header("access-control-request-method")) return std::nullopt;
  const auto* origin = listed_origin(origins, req);
  if (!origin) return std::nullopt;
  Response r = no_content();
  r.headers.emplace_back("Access-Control-Allow-Methods", kAllowMethods);
  r.headers.emplace_back("Access-Control-Allow-Headers", kAllowHeaders);
  r.headers.emplace_back("Access-Control-Max-Age", kMaxAgeSeconds);
  return r;
}

void add_cors_headers(const std::vector<std::string>& origins, const Request& req, Response& r) {
  if (origins.empty()) return;
  r.headers.emplace_back("Vary", "Origin");
  const auto* origin = listed_origin(origins, req);
  if (!origin) return;
  r.headers.emplace_back("Access-Control-Allow-Origin", *origin);
  r.headers.emplace_back("Access-Control-Expose-Headers", kExposeHeaders);
}

}  // namespace syncline::http
