// Router: maps (method, path pattern) to a handler. Patterns are literal segments and
// `{name}` captures of one segment. An unknown path answers 404, a known path with another
// method 405 with `Allow`. HEAD is served by the GET handler (the server drops the body).
// Every answer carries nosniff, Referrer-Policy and a Content-Security-Policy (SEC-049; pages
// set their own) and the CORS headers of --cors-origin; a database error becomes its kind's
// answer (db/answer.h) and any other exception a logged 500 without internals.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "http/answer.h"
#include "http/context.h"

namespace syncline::http {

// Expected failures come back as values; the router turns them into answers (error_response).
using Handler = std::function<Result<Response>(Request&, Context&)>;
// A route that may hand its connection over to a stream (http/answer.h).
using HandoverHandler = std::function<Result<Answer>(Request&, Context&)>;

// Where a route's handler runs: the handler threads every route shares, or the password lane
// (http/password_lane.h), whose threads alone may wait for argon2id (SEC-041).
enum class Lane { kHandlers, kPassword };

class Router {
 public:
  void add(std::string method, std::string pattern, Handler h, Lane lane = Lane::kHandlers);
  void add_handover(std::string method, std::string pattern, HandoverHandler h);
  // Fills req.params on a match. Never throws for unknown routes.
  Answer dispatch(Request& req, Context& ctx) const;
  // The lane of the route this request names (kHandlers for an unknown one).
  Lane lane_of(const Request& req) const;
  // An answer decided before any handler ran (the password lane was full), with the headers
  // and counters every answer gets.
  Response refuse(const Request& req, const std::vector<std::string>& cors_origins,
                  const Error& why) const;

  struct Route {
    std::string method;
    std::string pattern;
    std::vector<std::string> segments;
    HandoverHandler handler;
    Lane lane = Lane::kHandlers;
  };
  const std::vector<Route>& routes() const { return routes_; }

 private:
  Answer route(Request& req, Context& ctx) const;
  void finish(const Request& req, const std::vector<std::string>& cors_origins, Response& r) const;
  std::vector<Route> routes_;
};

}  // namespace syncline::http
