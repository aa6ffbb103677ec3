// Invitation routes (SEC-050, DESIGN §20): org admins invite, the invitee accepts or declines.
// POST /organizations/{o}/memberships is the same invite (adding by user id also invites: nobody
// becomes a member of an org unasked). Members of a JWT's orgs come from its claims: none of
// these routes is theirs.
#include <boost/json/array.hpp>

#include "http/routes.h"
#include "orgs/invitations.h"

namespace syncline::http {

namespace {

Error from_claims() {
  return conflict("MEMBERSHIP_FROM_CLAIMS",
                  "members of this organization come from the identity provider's tokens");
}

// The local principal of the request (never a JWT's).
Result<const auth::Principal*> local_principal(Context& ctx) {
  auto p = ctx.principal();
  if (!p) return p.error();
  if ((*p)->external) return from_claims();
  return *p;
}

Result<const orgs::OrgAccess*> admin_of(Request& req, Context& ctx) {
  if (auto p = local_principal(ctx); !p) return p.error();
  auto a = ctx.org_access(req.param("o"));
  if (a && !(*a)->is_org_admin()) return forbidden("organization admins only");
  return a;
}

Result<Response> invite(Request& req, Context& ctx) {
  auto a = admin_of(req, ctx);
  if (!a) return a.error();
  auto body = parse_json_object(req);
  if (!body) return body.error();
  auto sent = orgs::invite(ctx.db(), (*a)->org.id, (*ctx.principal())->user_id, *body);
  if (!sent) return sent.error();
  return json_response(201, *sent);
}

Result<Response> pending(Request& req, Context& ctx) {
  auto a = admin_of(req, ctx);
  if (!a) return a.error();
  return json_response(200, {{"items", orgs::org_invitations(ctx.db(), (*a)->org.id)}});
}

Result<Response> accept(Request& req, Context& ctx) {
  auto p = local_principal(ctx);
  if (!p) return p.error();
  auto body = parse_json_object(req);
  if (!body) return body.error();
  auto m = orgs::accept(ctx.db(), req.param("id"), (*p)->user_id, *body);
  if (!m) return m.error();
  // A refusal this node cached for the new member ends now (the bus tells the others).
  ctx.forget_access((*p)->user_id, std::string(m->at("organizationId").as_string()));
  return json_response(201, *m);
}

Result<Response> discard(Request& req, Context& ctx) {
  auto p = local_principal(ctx);
  if (!p) return p.error();
  if (auto r = orgs::discard(ctx.db(), req.param("id"), (*p)->user_id, (*p)->system_admin); !r)
    return r.error();
  return no_content();
}

}  // namespace

void add_invitation_routes(Router& r) {
  r.add("POST", "/organizations/{o}/invitations", invite);
  r.add("GET", "/organizations/{o}/invitations", pending);
  r.add("POST", "/organizations/{o}/memberships", invite);
  r.add("POST", "/invitations/{id}/accept", accept);
  r.add("DELETE", "/invitations/{id}", discard);
}

}  // namespace syncline::http
