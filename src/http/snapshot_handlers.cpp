// GET /organizations/{o}/snapshot[?shape=…] (DESIGN §18, DATA-SCALE-002): authorize like every
// org route and check the shape (400 INVALID_SHAPE), then hand a SnapshotPlan to the server,
// which streams it (http/snapshot.h). The read policy is applied per row by the reader.
#include "http/actor.h"
#include "http/client_address.h"
#include "http/routes.h"
#include "stream/snapshot_plan.h"

namespace syncline::http {

namespace {
Result<Answer> snapshot(Request& req, Context& ctx) {
  auto a = ctx.org_access(req.param("o"));
  if (!a) return a.error();
  auto p = ctx.principal();
  if (!p) return p.error();
  auto shape = entities::parse_shape_param(req.query_param("shape"));
  if (!shape) return shape.error();
  stream::SnapshotPlan plan;
  plan.request.org_id = (*a)->org.id;
  plan.request.actor = actor_of(**p, **a);
  plan.request.shape = std::move(*shape);
  plan.holder = {ctx.session_key(), (*p)->user_id, client_key(req, ctx.config())};
  Response head;
  head.content_type = "application/x-ndjson";  // what a HEAD request is answered
  return Answer{SnapshotHandover{std::move(plan), std::move(head)}};
}
}  // namespace

void add_snapshot_routes(Router& r) {
  r.add_handover("GET", "/organizations/{o}/snapshot", snapshot);
}

}  // namespace syncline::http
