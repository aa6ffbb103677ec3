// Presence routes (DESIGN §21, COLLAB): PUT /organizations/{o}/presence says where the caller's
// client is and what it does (renewed by the same PUT every 10 s), DELETE …/presence/{clientId}
// leaves, GET lists who is here (what the caller may see). Members only; a presence on an entity
// needs the entity to exist and to be readable by the caller (404 otherwise, as a GET of it).
// The change is announced through the node's relay (presence/relay.h), never per request.
#include "entities/policy.h"
#include "entities/store.h"
#include "http/actor.h"
#include "http/routes.h"
#include "presence/relay.h"
#include "presence/store.h"

namespace syncline::http {

namespace json = boost::json;

namespace {

// Short, filterable members of the entity (what a shape may test); long texts and objects stay
// out, so a change always fits its NOTIFY.
json::object scope_of(const json::object& data) {
  constexpr std::size_t kMaxMember = 256, kMaxScope = 4096;
  json::object scope;
  std::size_t bytes = 0;
  for (const auto& [k, v] : data) {
    if (v.is_object() || v.is_array()) continue;
    const std::size_t n = v.is_string() ? v.as_string().size() : 24;
    if (n > kMaxMember || bytes + n + k.size() > kMaxScope) continue;
    bytes += n + k.size();
    scope[k] = v;
  }
  return scope;
}

// Who may see a presence on the entity: read from the entity, which the caller must see too.
Result<presence::Visibility> visibility(Context& ctx, const Caller& c,
                                        const presence::PresenceInput& in) {
  if (!in.entity_type) return presence::Visibility{};
  const auto* type = entities::find_by_name(*in.entity_type);
  if (!type) return bad_request("INVALID_PRESENCE", "entityType is not a declared type");
  if (entities::grant_for(c.actor, entities::Op::kRead, *type) == entities::Grant::kNone)
    return forbidden();
  auto e = entities::fetch_entity(ctx.db(), *type, c.access->org.id, *in.entity_id);
  if (!e || !entities::is_permission_allowed(c.actor, entities::Op::kRead, *type, e->created_by))
    return not_found(type->name + " not found");
  const auto* data = e->representation.if_contains("data");
  return presence::Visibility{
      e->created_by, data && data->is_object() ? scope_of(data->as_object()) : json::object{}};
}

void announce(wire::PresenceChange change) {
  if (auto* relay = presence::node_relay()) relay->announce(std::move(change));
}

Result<Response> put(Request& req, Context& ctx) {
  auto c = org_caller(req, ctx);
  if (!c) return c.error();
  auto body = parse_json_object(req);
  if (!body) return body.error();
  auto in = presence::parse_input(*body);
  if (!in) return in.error();
  auto v = visibility(ctx, *c, *in);
  if (!v) return v.error();
  const std::chrono::seconds ttl(ctx.config().presence_ttl_s);
  auto done = presence::put(ctx.db(), c->access->org.id, c->actor.user_id, *in, *v, ttl);
  if (!done) return done.error();
  const char* action = "renew";
  if (*done != presence::PutOutcome::kRenewed) {
    const bool join = *done == presence::PutOutcome::kJoined;
    action = join ? "join" : "update";
    announce({join ? wire::PresenceAction::kJoin : wire::PresenceAction::kUpdate, c->access->org.id,
              c->actor.user_id, in->client_id, in->entity_type, in->entity_id, in->state, v->owner,
              v->scope});
  }
  return json_response(
      200, {{"clientId", in->client_id}, {"action", action}, {"ttlSeconds", ttl.count()}});
}

Result<Response> leave(Request& req, Context& ctx) {
  auto c = org_caller(req, ctx);
  if (!c) return c.error();
  const auto client = req.param("clientId");
  if (!presence::valid_client_id(client))
    return bad_request("INVALID_PRESENCE", "clientId must be 1 to 64 of A-Z a-z 0-9 . _ -");
  if (auto gone = presence::remove(ctx.db(), c->access->org.id, c->actor.user_id, client))
    announce(std::move(*gone));
  return no_content();  // gone either way
}

// GET …/presence[?entityType=&entityId=]: the presences the caller may see, as joins.
Result<Response> list(Request& req, Context& ctx) {
  auto c = org_caller(req, ctx);
  if (!c) return c.error();
  const auto type = req.query_param("entityType"), id = req.query_param("entityId");
  json::array items;
  for (auto& p : presence::current_in(ctx.db(), c->access->org.id, type, id)) {
    if (p.entity_type) {
      const auto* t = entities::find_by_name(*p.entity_type);
      if (!t || !entities::is_permission_allowed(c->actor, entities::Op::kRead, *t, p.owner))
        continue;
    }
    items.push_back(p.client_json());
  }
  return json_response(200, {{"items", std::move(items)}});
}

}  // namespace

void add_presence_routes(Router& r) {
  r.add("PUT", "/organizations/{o}/presence", put);
  r.add("GET", "/organizations/{o}/presence", list);
  r.add("DELETE", "/organizations/{o}/presence/{clientId}", leave);
}

}  // namespace syncline::http
