// Synced entity routes, generated from the registry: list, get, create, update, delete for
// /organizations/{o}/<plural>. Handlers authenticate, resolve the org, and delegate.
#include <charconv>

#include "common/clock.h"
#include "entities/mutations.h"
#include "entities/policy.h"
#include "entities/shape.h"
#include "entities/store.h"
#include "http/actor.h"
#include "http/routes.h"
#include "http/write_quota.h"
#include "orgs/organizations.h"

namespace syncline::http {

namespace json = boost::json;
using entities::EntityType;

namespace {
constexpr std::size_t kDefaultLimit = 50, kMaxLimit = 500;

Result<std::size_t> parse_limit(const Request& req) {
  auto s = req.query_param("limit");
  if (!s) return kDefaultLimit;
  std::size_t n = 0;
  auto [p, ec] = std::from_chars(s->data(), s->data() + s->size(), n);
  if (ec != std::errc() || p != s->data() + s->size() || n < 1 || n > kMaxLimit)
    return bad_request("INVALID_LIMIT", "limit must be an integer 1..500");
  return n;
}

Result<Response> list(const EntityType& type, Request& req, Context& ctx) {
  auto c = org_caller(req, ctx);
  if (!c) return c.error();
  // The read policy per row (SEC-001..005): `own` lists the caller's rows only.
  const auto grant = entities::grant_for(c->actor, entities::Op::kRead, type);
  if (grant == entities::Grant::kNone) return forbidden();
  auto limit = parse_limit(req);
  if (!limit) return limit.error();
  // SHAPE-004: the same `shape` as the stream's filters the list; a type it does not name has
  // nothing in it.
  auto shape = entities::parse_shape_param(req.query_param("shape"));
  if (!shape) return shape.error();
  if (*shape && !(*shape)->of(type.name))
    return json_response(200, {{"items", json::array{}}, {"nextCursor", nullptr}});
  entities::ListQuery q{*limit, req.query_param("cursor"),
                        *shape ? (*shape)->of(type.name) : nullptr, std::nullopt};
  if (grant == entities::Grant::kOwn) q.owner = c->actor.owner_id();
  auto page = entities::list_entities(ctx.db(), type, c->access->org.id, q);
  if (!page) return page.error();
  return json_response(200, {{"items", std::move(page->items)},
                             {"nextCursor", page->next_cursor ? json::value(*page->next_cursor)
                                                              : json::value(nullptr)}});
}

Result<Response> get(const EntityType& type, Request& req, Context& ctx) {
  auto c = org_caller(req, ctx);
  if (!c) return c.error();
  auto e = entities::fetch_entity(ctx.db(), type, c->access->org.id, req.param("id"));
  if (!e) return not_found(type.name + " not found");
  if (!entities::is_permission_allowed(c->actor, entities::Op::kRead, type, e->created_by))
    return forbidden();
  return json_response(200, e->representation);
}

Result<Response> mutate(const EntityType& type, sync::Action action, Request& req, Context& ctx) {
  auto c = org_caller(req, ctx);
  if (!c) return c.error();
  const auto& org_id = c->access->org.id;
  if (auto admitted = admit_write(ctx.config(), org_id, c->actor.user_id); !admitted)
    return admitted.error();
  auto body = parse_json_object(req);
  if (!body) return body.error();
  auto m = sync::parse_mutation(*body, action, now_ms());
  if (!m) return m.error();
  entities::Target target{type, org_id, c->actor,
                          action == sync::Action::kCreate ? "" : req.param("id")};
  auto out = entities::apply_mutation(ctx.db(), target, *m);
  if (!out) return out.error();
  return json_response(out->created ? 201 : 200, out->body);
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
