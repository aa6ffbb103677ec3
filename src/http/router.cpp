#include "http/router.h"

#include <algorithm>
#include <chrono>

#include <spdlog/spdlog.h>

#include "common/metrics.h"
#include "common/strings.h"
#include "db/answer.h"
#include "db/connection.h"
#include "http/cors.h"

namespace syncline::http {

namespace {
std::vector<std::string> segments_of(std::string_view path) {
  std::vector<std::string> out;
  for (auto s : split(path, '/'))
    if (!s.empty()) out.emplace_back(s);
  return out;
}

bool match(const std::vector<std::string>& pattern, const std::vector<std::string>& path,
           std::map<std::string, std::string>& params) {
  if (pattern.size() != path.size()) return false;
  std::map<std::string, std::string> got;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    const auto& p = pattern[i];
    if (p.size() > 2 && p.front() == '{' && p.back() == '}') {
      got[p.substr(1, p.size() - 2)] = path[i];
    } else if (p != path[i]) {
      return false;
    }
  }
  params = std::move(got);
  return true;
}
}  // namespace

void Router::add(std::string method, std::string pattern, Handler h, Lane lane) {
  auto segs = segments_of(pattern);
  HandoverHandler whole = [h = std::move(h)](Request& req, Context& ctx) -> Result<Answer> {
    auto r = h(req, ctx);
    if (!r) return r.error();
    return Answer{std::move(*r)};
  };
  routes_.push_back(
      {std::move(method), std::move(pattern), std::move(segs), std::move(whole), lane});
}

void Router::add_handover(std::string method, std::string pattern, HandoverHandler h) {
  auto segs = segments_of(pattern);
  routes_.push_back(
      {std::move(method), std::move(pattern), std::move(segs), std::move(h), Lane::kHandlers});
}

Lane Router::lane_of(const Request& req) const {
  auto path = segments_of(req.path);
  std::map<std::string, std::string> ignored;
  for (const auto& r : routes_)
    if (r.method == req.method && match(r.segments, path, ignored)) return r.lane;
  return Lane::kHandlers;
}

namespace {
bool has_header(const Response& r, std::string_view name) {
  return std::any_of(r.headers.begin(), r.headers.end(),
                     [&](const auto& h) { return h.first == name; });
}

// SEC-049: every answer carries nosniff and a policy; HTML pages set their own (meta
// handlers), everything else (JSON, JS, text) may load and frame nothing.
void add_security_headers(Response& r) {
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  r.headers.emplace_back("Referrer-Policy", "no-referrer");
  if (!has_header(r, "Content-Security-Policy"))
    r.headers.emplace_back("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'");
  if (!has_header(r, "X-Frame-Options")) r.headers.emplace_back("X-Frame-Options", "DENY");
}
}  // namespace

Answer Router::dispatch(Request& req, Context& ctx) const {
  const auto started = std::chrono::steady_clock::now();
  const auto& origins = ctx.config().cors_origins;
  auto preflight = cors_preflight(origins, req);
  Answer a = preflight ? Answer{std::move(*preflight)} : route(req, ctx);
  // A live stream's handler only plans it: its duration is the plan's, not the stream's.
  if (!std::holds_alternative<LiveHandover>(a))
    metrics().request_duration.observe(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  finish(req, origins, head_of(a));
  return a;
}

Response Router::refuse(const Request& req, const std::vector<std::string>& cors_origins,
                        const Error& why) const {
  Response r = error_response(why);
  finish(req, cors_origins, r);
  return r;
}

void Router::finish(const Request& req, const std::vector<std::string>& cors_origins,
                    Response& r) const {
  add_security_headers(r);
  add_cors_headers(cors_origins, req, r);
  auto cls = static_cast<std::size_t>(r.status / 100);
  if (cls < metrics().responses_by_class.size()) count(metrics().responses_by_class[cls]);
  if (r.status == 429) count(metrics().rate_limited);
}

Answer Router::route(Request& req, Context& ctx) const {
  auto path = segments_of(req.path);
  std::string allow;
  const std::string& method = req.method == "HEAD" ? std::string("GET") : req.method;
  for (const auto& r : routes_) {
    std::map<std::string, std::string> params;
    if (!match(r.segments, path, params)) continue;
    if (r.method != method && !(req.method == "HEAD" && r.method == "HEAD")) {
      allow += (allow.empty() ? "" : ", ") + r.method;
      continue;
    }
    req.params = std::move(params);
    // SEC-050: a browser sends the session cookie with another site's form too, but only a
    // script of an allowed origin can say application/json (cross-origin, only after a CORS
    // preflight we answer): a state-changing request carried by the cookie must say it.
    if (method != "GET" && ctx.by_cookie() && !declares_json(req))
      return error_response(make_error(ErrorKind::kUnsupportedMediaType, "UNSUPPORTED_MEDIA_TYPE",
                                       "a request signed by the session cookie must be "
                                       "Content-Type: application/json (send {} for no body)"));
    try {
      auto answer = r.handler(req, ctx);
      if (!answer) return error_response(answer.error());
      return std::move(*answer);  // a Response, or a hand-over of the connection
    } catch (const db::DbError& e) {
      // Our bug (kOther) is an error; the database's state or the input's fault is not.
      spdlog::log(e.kind() == db::DbErrorKind::kOther ? spdlog::level::err : spdlog::level::warn,
                  "{} {}: database error {}: {}", req.method, req.path, e.sqlstate(), e.what());
      return error_response(db::answer_to(e));
    } catch (const std::exception& e) {
      spdlog::error("{} {}: {}", req.method, req.path, e.what());
      return error_response(internal_error());
    }
  }
  if (!allow.empty()) {
    auto resp = error_response(make_error(ErrorKind::kMethodNotAllowed, "METHOD_NOT_ALLOWED",
                                          req.method + " is not allowed here"));
    resp.headers.emplace_back("Allow", allow);
    return resp;
  }
  return error_response(not_found("no route for " + req.path));
}

}  // namespace syncline::http
