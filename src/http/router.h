// Router: maps (method, path pattern) to a handler. Patterns are literal segments and
// `{name}` captures of one segment. An unknown path answers 404, a known path with another
// method 405 with `Allow`. HEAD is served by the GET handler (the server drops the body).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "http/context.h"
#include "http/message.h"

namespace syncline::http {

// Expected failures come back as values; the router turns them into answers (error_response).
using Handler = std::function<Result<Response>(Request&, Context&)>;

class Router {
 public:
  void add(std::string method, std::string pattern, Handler h);
  // Fills req.params on a match. Never throws for unknown routes.
  Response dispatch(Request& req, Context& ctx) const;

  struct Route {
    std::string method;
    std::string pattern;
    std::vector<std::string> segments;
    Handler handler;
  };
  const std::vector<Route>& routes() const { return routes_; }

 private:
  Response route(Request& req, Context& ctx) const;
  std::vector<Route> routes_;
};

}  // namespace syncline::http
