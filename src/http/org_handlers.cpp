// Organization and membership routes (invitations: invitation_handlers.cpp). Reads need membership;
// writes need the org admin role (or a system admin).
#include <boost/json/array.hpp>

#include "http/routes.h"
#include "orgs/memberships.h"
#include "orgs/organizations.h"

namespace syncline::http {

namespace json = boost::json;

namespace {
Result<const orgs::OrgAccess*> admin_access(Request& req, Context& ctx) {
  auto a = ctx.org_access(req.param("o"));
  if (a && !(*a)->is_org_admin()) return forbidden("organization admins only");
  return a;
}

Result<Response> create(Request& req, Context& ctx) {
  auto p = ctx.principal();
  if (!p) return p.error();
  auto body = parse_json_object(req);
  if (!body) return body.error();
  auto n = orgs::parse_new_org(*body);
  if (!n) return n.error();
  auto& c = ctx.db();
  db::Transaction tx(c);
  if ((*p)->external) orgs::ensure_external_user(c, **p);
  auto org = orgs::create_org(c, (*p)->user_id, *n, ctx.config().max_orgs_per_user);
  if (!org) return org.error();  // rolled back by the Transaction
  tx.commit();
  return json_response(201, org->to_json());
}

Result<Response> list(Request&, Context& ctx) {
  auto p = ctx.principal();
  if (!p) return p.error();
  json::array items;
  for (const auto& o : (*p)->external ? orgs::external_orgs(ctx.db(), **p)
                                      : orgs::orgs_of_user(ctx.db(), (*p)->user_id))
    items.push_back(o.to_json());
  return json_response(200, {{"items", std::move(items)}});
}

Result<Response> get(Request& req, Context& ctx) {
  auto a = ctx.org_access(req.param("o"));
  if (!a) return a.error();
  return json_response(200, (*a)->org.to_json());
}

Result<Response> members(Request& req, Context& ctx) {
  auto a = ctx.org_access(req.param("o"));
  if (!a) return a.error();
  return json_response(200, {{"items", orgs::list_members(ctx.db(), (*a)->org.id)}});
}

Result<Response> change_role(Request& req, Context& ctx) {
  auto a = admin_access(req, ctx);
  if (!a) return a.error();
  auto body = parse_json_object(req);
  if (!body) return body.error();
  auto changed = orgs::change_role(ctx.db(), (*a)->org.id, req.param("userId"), *body);
  if (!changed) return changed.error();
  ctx.forget_access(req.param("userId"), (*a)->org.id);
  return json_response(200, *changed);
}

Result<Response> remove_member(Request& req, Context& ctx) {
  auto a = admin_access(req, ctx);
  if (!a) return a.error();
  if (auto r = orgs::remove_member(ctx.db(), (*a)->org.id, req.param("userId")); !r)
    return r.error();
  ctx.forget_access(req.param("userId"), (*a)->org.id);
  return no_content();
}
}  // namespace

void add_org_routes(Router& r) {
  r.add("POST", "/organizations", create);
  r.add("GET", "/organizations", list);
  r.add("GET", "/organizations/{o}", get);
  r.add("GET", "/organizations/{o}/memberships", members);
  r.add("PATCH", "/organizations/{o}/memberships/{userId}", change_role);
  r.add("DELETE", "/organizations/{o}/memberships/{userId}", remove_member);
}

}  // namespace syncline::http
