// Synced entity routes, generated from the registry: list, get, create, update, delete for
// /organizations/{o}/<plural>. Handlers authenticate, resolve the org, and delegate.
#include <charconv>

#include "common/clock.h"
#include "entities/mutations.h"
#include "entities/store.h"
#include "http/routes.h"
#include "http/write_quota.h"
#include "orgs/organizations.h"

namespace syncline::http {

namespace json = boost::json;
using entities::EntityType;

namespace {
constexpr std::size_t kDefaultLimit = 50, kMaxLimit = 500;

entities::Actor actor_of(const auth::Principal& p, const orgs::OrgAccess& a) {
  return {p.user_id, p.system_admin, a.role};
}

orgs::OrgAccess access(Request& req, Context& ctx) {
  return ctx.org_access(req.param("o"));
}

std::size_t parse_limit(const Request& req) {
  auto s = req.query_param("limit");
  if (!s) return kDefaultLimit;
  std::size_t n = 0;
  auto [p, ec] = std::from_chars(s->data(), s->data() + s->size(), n);
  if (ec != std::errc() || p != s->data() + s->size() || n < 1 || n > kMaxLimit)
    throw ApiError(bad_request("INVALID_LIMIT", "limit must be an integer 1..500"));
  return n;
}

Response list(const EntityType& type, Request& req, Context& ctx) {
  auto a = access(req, ctx);
  if (!entities::is_permission_allowed(actor_of(ctx.principal(), a), entities::Op::kRead, type,
                                       std::nullopt))
    throw ApiError(forbidden());
  auto page = value_or_throw(entities::list_entities(ctx.db(), type, a.org.id, parse_limit(req),
                                                     req.query_param("cursor")));
  return json_response(200, {{"items", std::move(page.items)},
                             {"nextCursor", page.next_cursor ? json::value(*page.next_cursor)
                                                             : json::value(nullptr)}});
}

Response get(const EntityType& type, Request& req, Context& ctx) {
  auto a = access(req, ctx);
  auto e = entities::fetch_entity(ctx.db(), type, a.org.id, req.param("id"));
  if (!e) throw ApiError(not_found(type.name + " not found"));
  if (!entities::is_permission_allowed(actor_of(ctx.principal(), a), entities::Op::kRead, type,
                                       e->created_by))
    throw ApiError(forbidden());
  return json_response(200, e->representation);
}

Response mutate(const EntityType& type, sync::Action action, Request& req, Context& ctx) {
  auto a = access(req, ctx);
  value_or_throw(admit_org_write(ctx.config(), a.org.id));
  auto body = value_or_throw(parse_json_object(req));
  auto m = value_or_throw(sync::parse_mutation(body, action, now_ms()));
  entities::Target target{type, a.org.id, actor_of(ctx.principal(), a),
                          action == sync::Action::kCreate ? "" : req.param("id")};
  auto out = entities::apply_mutation(ctx.db(), target, m);
  return json_response(out.status, out.body);
}
}  // namespace

void add_entity_routes(Router& r) {
  using sync::Action;
  for (const auto& t : entities::entity_types()) {
    const EntityType* type = &t;
    auto base = "/organizations/{o}/" + t.plural;
    r.add("GET", base, [type](Request& q, Context& c) { return list(*type, q, c); });
    r.add("POST", base,
          [type](Request& q, Context& c) { return mutate(*type, Action::kCreate, q, c); });
    r.add("GET", base + "/{id}", [type](Request& q, Context& c) { return get(*type, q, c); });
    r.add("PATCH", base + "/{id}",
          [type](Request& q, Context& c) { return mutate(*type, Action::kUpdate, q, c); });
    r.add("DELETE", base + "/{id}",
          [type](Request& q, Context& c) { return mutate(*type, Action::kDelete, q, c); });
  }
}

}  // namespace syncline::http
