// GET /organizations/{o}/live (DESIGN §6, STREAM-001..008): authenticate and authorize like
// every org route, resolve the offset, then either answer one JSON catch-up page or hand a
// LivePlan to the server, which streams Server-Sent Events on the connection.
#include "common/metrics.h"
#include "common/random.h"
#include "common/strings.h"
#include "entities/registry.h"
#include "http/actor.h"
#include "http/client_address.h"
#include "http/routes.h"
#include "stream/catch_up.h"
#include "stream/live_plan.h"
#include "stream/offsets.h"

namespace syncline::http {

namespace {
Result<std::set<std::string>> parse_types(const Request& req) {
  std::set<std::string> types;
  auto q = req.query_param("entityTypes");
  if (!q || q->empty()) return types;
  for (auto t : split(*q, ',')) {
    auto name = std::string(trim(t));
    if (!entities::find_by_name(name))
      return bad_request("INVALID_ENTITY_TYPES", "unknown entity type '" + name + "'");
    types.insert(name);
  }
  return types;
}

Result<Answer> live(Request& req, Context& ctx) {
  auto a = ctx.org_access(req.param("o"));
  if (!a) return a.error();
  const auto& access = **a;
  auto principal = ctx.principal();
  if (!principal) return principal.error();
  const auto& p = **principal;
  auto mode = req.query_param("live");
  if (mode && *mode != "sse")
    return bad_request("INVALID_LIVE_MODE", "live must be 'sse' or absent");
  auto types = parse_types(req);
  if (!types) return types.error();
  auto shape = entities::parse_shape_param(req.query_param("shape"));  // SHAPE-001..003
  if (!shape) return shape.error();
  stream::LivePlan plan;
  plan.info.org_id = access.org.id;
  plan.info.actor = actor_of(p, access);
  plan.info.token_hash = ctx.session_key();
  plan.info.client_key = client_key(req, ctx.config());
  plan.info.types = std::move(*types);
  plan.info.shape = std::move(*shape);
  plan.info.external = p.external;
  // Capabilities the client has (comma-separated; unknown ones are ignored: newer clients).
  if (auto f = req.query_param("features"); f && f->size() <= 256)
    for (auto name : split(*f, ','))
      if (trim(name) == "refetch") plan.info.refetch = true;
  plan.info.expires_at = p.expires_at;
  // Read before the offset is resolved: a stream is never newer than the epoch it records.
  plan.info.epoch = stream::current_epoch(ctx.db());
  auto offset = stream::resolve_offset(ctx.db(), access.org.id, req.query_param("offset"),
                                       req.header("last-event-id"));
  if (mode) {
    if (!offset && offset.error().code != "OFFSET_INVALID") return offset.error();
    plan.reset = !offset;
    plan.cursor = offset ? *offset : 0;
    Answer handover(std::in_place_type<LiveHandover>);
    std::get<LiveHandover>(handover).plan = std::move(plan);
    return handover;
  }
  if (!offset) return offset.error();
  const auto cursor = *offset;
  // JSON catch-up page: one page of at most 100 activities; `cursor` is the highest id
  // scanned, so rows the filter dropped are never rescanned.
  stream::Subscriber filter(plan.info, [] {});
  auto page = stream::read_log(ctx.db(), access.org.id, cursor, &filter);
  if (page.reset)  // pruned past it, or a bulk change it does not take (DESIGN §18)
    return conflict("OFFSET_INVALID",
                    "the log cannot continue from this offset (pruned by the retention, or a "
                    "bulk change follows: features=refetch takes those): drop the cache and load "
                    "a snapshot");
  count(metrics().stream_catch_up_pages);
  std::string body = "{\"activities\":[";
  bool first = true;
  for (const auto& e : page.events) {
    body += (first ? "" : ",") + std::string(stream::message_json(*e));
    first = false;
  }
  body += "],\"cursor\":" + std::to_string(page.cursor) + "}";
  Response r;
  r.body = std::move(body);
  r.headers.emplace_back("Stream-Next-Offset", std::to_string(page.cursor));
  r.headers.emplace_back("Cache-Control", "no-cache");
  return Answer{std::move(r)};
}
}  // namespace

void add_live_routes(Router& r) {
  r.add_handover("GET", "/organizations/{o}/live", live);
}

}  // namespace syncline::http
