// The caller of an org-scoped request as the permission function sees it (DESIGN §7): its user
// id, its role in the org and, for a JWT user, the subject its own rows hold (ADOPT-004).
#pragma once

#include "auth/sessions.h"
#include "entities/policy.h"
#include "http/context.h"
#include "http/message.h"
#include "orgs/organizations.h"

namespace syncline::http {

inline entities::Actor actor_of(const auth::Principal& p, const orgs::OrgAccess& a) {
  entities::Actor actor{p.user_id, p.system_admin, a.role};
  if (p.external) actor.subject = p.subject;
  return actor;
}

// The caller as an actor of the route's org `{o}` (the session or token resolved once).
struct Caller {
  const orgs::OrgAccess* access;
  entities::Actor actor;
};
inline Result<Caller> org_caller(Request& req, Context& ctx) {
  auto a = ctx.org_access(req.param("o"));
  if (!a) return a.error();
  auto p = ctx.principal();
  if (!p) return p.error();
  return Caller{*a, actor_of(**p, **a)};
}

}  // namespace syncline::http
