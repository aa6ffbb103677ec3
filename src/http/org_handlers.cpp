// Organization and membership routes. Reads need membership; writes need the org admin
// role (or a system admin).
#include <boost/json/array.hpp>

#include "http/routes.h"
#include "orgs/memberships.h"
#include "orgs/organizations.h"

namespace syncline::http {

namespace json = boost::json;

namespace {
orgs::OrgAccess access(Request& req, Context& ctx) {
  return ctx.org_access(req.param("o"));
}

orgs::OrgAccess admin_access(Request& req, Context& ctx) {
  auto a = access(req, ctx);
  if (!a.is_org_admin()) throw ApiError(forbidden("organization admins only"));
  return a;
}

Response create(Request& req, Context& ctx) {
  const auto& p = ctx.principal();
  auto body = value_or_throw(parse_json_object(req));
  auto n = value_or_throw(orgs::parse_new_org(body));
  auto& c = ctx.db();
  db::Transaction tx(c);
  if (p.external) orgs::ensure_external_user(c, p);
  auto org = value_or_throw(orgs::create_org(c, p.user_id, n));
  tx.commit();
  return json_response(201, org.to_json());
}

Response list(Request&, Context& ctx) {
  json::array items;
  const auto& p = ctx.principal();
  for (const auto& o :
       p.external ? orgs::external_orgs(ctx.db(), p) : orgs::orgs_of_user(ctx.db(), p.user_id))
    items.push_back(o.to_json());
  return json_response(200, {{"items", std::move(items)}});
}

Response get(Request& req, Context& ctx) {
  return json_response(200, access(req, ctx).org.to_json());
}

Response members(Request& req, Context& ctx) {
  auto a = access(req, ctx);
  return json_response(200, {{"items", orgs::list_members(ctx.db(), a.org.id)}});
}

Response add_member(Request& req, Context& ctx) {
  auto a = admin_access(req, ctx);
  auto body = value_or_throw(parse_json_object(req));
  return json_response(201, value_or_throw(orgs::add_member(ctx.db(), a.org.id, body)));
}

Response change_role(Request& req, Context& ctx) {
  auto a = admin_access(req, ctx);
  auto body = value_or_throw(parse_json_object(req));
  return json_response(
      200, value_or_throw(orgs::change_role(ctx.db(), a.org.id, req.param("userId"), body)));
}

Response remove_member(Request& req, Context& ctx) {
  auto a = admin_access(req, ctx);
  if (auto r = orgs::remove_member(ctx.db(), a.org.id, req.param("userId")); !r)
    throw ApiError(r.error());
  return no_content();
}
}  // namespace

void add_org_routes(Router& r) {
  r.add("POST", "/organizations", create);
  r.add("GET", "/organizations", list);
  r.add("GET", "/organizations/{o}", get);
  r.add("GET", "/organizations/{o}/memberships", members);
  r.add("POST", "/organizations/{o}/memberships", add_member);
  r.add("PATCH", "/organizations/{o}/memberships/{userId}", change_role);
  r.add("DELETE", "/organizations/{o}/memberships/{userId}", remove_member);
}

}  // namespace syncline::http
