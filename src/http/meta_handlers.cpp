// Meta routes: liveness, the OpenAPI document and its rendered page, and the browser client
// (web/*.js at /client/{file}) with its demo app (web/app/ at /app) and the React example
// (/examples/react). Every file served is
// embedded at build time; nothing is read from disk at run time.

#include <boost/json/value.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http/openapi_document.h"
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

// The demo only loads its own files and talks to its own origin; server data reaches its DOM
// through textContent only, and this policy forbids inline script should that ever slip.
constexpr const char* kAppPolicy =
    "default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'";

// /docs is Scalar's API reference (embedded, api/docs.html + docs-init.js): scripts only from
// this origin; Scalar injects its styles (a <style> element and style attributes), so styles
// may be inline; it fetches /openapi.json and nothing else.
constexpr const char* kDocsPolicy =
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "connect-src 'self'; img-src 'self' data:; font-src 'self' data:; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'";

// Serves the embedded file `name` when it starts with `prefix` and has one of the listed
// extensions (so /client and /app can never expose openapi.json or each other's files).
Result<Response> web_file(const std::string& name, std::string_view prefix) {
  struct Type {
    std::string_view ext, mime;
  };
  static constexpr Type kTypes[] = {{".js", "text/javascript; charset=utf-8"},
                                    {".css", "text/css; charset=utf-8"},
                                    {".html", "text/html; charset=utf-8"}};
  std::string_view n = name;
  for (const auto& t : kTypes)
    if (n.starts_with(prefix) && n.ends_with(t.ext) && !asset(n).empty()) {
      auto r = static_response(n, std::string(t.mime));
      if (t.ext == ".html") r.headers.emplace_back("Content-Security-Policy", kAppPolicy);
      return r;
    }
  return not_found("no such file");
}
}  // namespace

void add_meta_routes(Router& r) {
  // Liveness only: 200 while HTTP and the DB pool work; never fails because CDC lags.
  r.add("GET", "/health", [](Request&, Context& ctx) {
    ctx.db().exec("SELECT 1");
    return json_response(200, {{"status", "ok"}});
  });
  // Generated: the base document plus every declared entity type (openapi_document.h).
  r.add("GET", "/openapi.json", [](Request&, Context&) {
    Response resp;
    resp.body = openapi_text();
    resp.headers.emplace_back("Cache-Control", "no-cache");
    return resp;
  });
  r.add("GET", "/docs", [](Request&, Context&) {
    auto r = static_response("docs.html", "text/html; charset=utf-8");
    r.headers.emplace_back("Content-Security-Policy", kDocsPolicy);
    return r;
  });
  r.add("GET", "/docs/scalar.js", [](Request&, Context&) {
    return static_response("scalar-standalone.js", "text/javascript; charset=utf-8");
  });
  r.add("GET", "/docs/init.js", [](Request&, Context&) {
    return static_response("docs-init.js", "text/javascript; charset=utf-8");
  });
  // The browser module is split into syncline*.js files importing each other relatively.
  r.add("GET", "/client/{file}",
        [](Request& q, Context&) { return web_file(q.param("file"), "syncline"); });
  r.add("GET", "/app", [](Request&, Context&) { return web_file("app.html", "app"); });
  // The React + TanStack DB example (web/examples/react, bundled at build time).
  r.add("GET", "/examples/react",
        [](Request&, Context&) { return web_file("react-example.html", "react-example"); });
  r.add("GET", "/examples/react/app.js",
        [](Request&, Context&) { return web_file("react-example.js", "react-example"); });
  r.add("GET", "/app/{file}",
        [](Request& q, Context&) { return web_file(q.param("file"), "app"); });
}

}  // namespace syncline::http
