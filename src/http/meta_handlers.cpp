// Meta routes: liveness, the OpenAPI document and its rendered page.
#include <boost/json/value.hpp>
#include <string_view>
#include <utility>
#include <vector>

#include "http/routes.h"

namespace syncline::http {
namespace assets {
const std::vector<std::pair<std::string_view, std::string_view>>& embedded_files();
}

namespace {
std::string_view asset(std::string_view name) {
  for (const auto& [n, content] : assets::embedded_files())
    if (n == name) return content;
  return {};
}

Response static_response(std::string_view name, std::string type) {
  Response r;
  r.content_type = std::move(type);
  r.body = std::string(asset(name));
  r.headers.emplace_back("Cache-Control", "no-cache");
  return r;
}
}  // namespace

void add_meta_routes(Router& r) {
  // Liveness only: 200 while HTTP and the DB pool work; never fails because CDC lags.
  r.add("GET", "/health", [](Request&, Context& ctx) {
    ctx.db().exec("SELECT 1");
    return json_response(200, {{"status", "ok"}});
  });
  r.add("GET", "/openapi.json",
        [](Request&, Context&) { return static_response("openapi.json", "application/json"); });
  r.add("GET", "/docs", [](Request&, Context&) {
    return static_response("docs.html", "text/html; charset=utf-8");
  });
}

}  // namespace syncline::http
