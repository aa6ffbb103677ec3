// GET /schema (SCHEMA-020): the declared types as clients see them — names, routes, fields
// with kinds, bounds, defaults and merge hints, and the grants per role. Tables and columns
// are the server's business and are not shown. Public, like /openapi.json.
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "common/json_parse.h"
#include "common/json_text.h"
#include "entities/registry.h"
#include "http/routes.h"

namespace syncline::http {

namespace json = boost::json;
using entities::Audit;

namespace {
const char* grant_name(entities::Grant g) {
  return g == entities::Grant::kAll ? "all" : g == entities::Grant::kOwn ? "own" : "none";
}

json::object grants(const std::array<entities::Grant, 4>& g) {
  return {{"create", grant_name(g[0])},
          {"read", grant_name(g[1])},
          {"update", grant_name(g[2])},
          {"delete", grant_name(g[3])}};
}

const char* audit_name(Audit a) {
  switch (a) {
    case Audit::kCreatedAt:
      return "created_at";
    case Audit::kCreatedBy:
      return "created_by";
    case Audit::kModifiedAt:
      return "modified_at";
    case Audit::kModifiedBy:
      return "modified_by";
    case Audit::kNone:
      break;
  }
  return "";
}

json::object field_json(const entities::Field& f) {
  json::object o{{"kind", entities::kind_name(f.kind)},
                 {"required", f.required},
                 {"nullable", f.nullable},
                 {"writable", f.writable()},
                 {"merge", f.merge_manual ? "manual"
                           : f.merge_text ? "text"
                                          : "lww"}};
  if (f.max_len && f.kind != entities::FieldKind::kJson) o["maxLength"] = f.max_len;
  if (f.kind == entities::FieldKind::kJson) o["maxBytes"] = f.max_len;
  if (f.min) o["minimum"] = *f.min;
  if (f.max) o["maximum"] = *f.max;
  if (!f.values.empty()) {
    json::array v;
    for (const auto& x : f.values) v.push_back(json::value(x));
    o["values"] = std::move(v);
  }
  if (!f.default_json.empty()) o["default"] = parse_json(f.default_json);
  if (!f.ref.empty()) o["to"] = f.ref;
  if (f.audit != Audit::kNone) o["server"] = audit_name(f.audit);
  return o;
}

const std::string& schema_body() {
  static const std::string body = [] {
    json::object types;
    for (const auto& t : entities::entity_types()) {
      json::object fields;
      for (const auto& f : t.fields) fields[f.json] = field_json(f);
      types[t.name] = json::object{{"plural", t.plural},
                                   {"fields", std::move(fields)},
                                   {"grants", json::object{{"member", grants(t.policy.member)},
                                                           {"admin", grants(t.policy.admin)}}}};
    }
    return json_text(json::object{{"version", 1}, {"types", std::move(types)}});
  }();
  return body;
}
}  // namespace

void add_schema_routes(Router& r) {
  r.add("GET", "/schema", [](Request&, Context&) {
    Response resp;
    resp.body = schema_body();
    resp.headers.emplace_back("Cache-Control", "no-cache");
    return resp;
  });
}

}  // namespace syncline::http
