// GET /organizations/{o}/snapshot[?shape=…] (DESIGN §18, DATA-SCALE-002): authorize like every
// org route and check the shape (400 INVALID_SHAPE), then hand a SnapshotPlan to the server,
// which streams it (http/snapshot.h). The read policy is applied per row by the reader.
#include "http/actor.h"
#include "http/client_address.h"
#include "http/routes.h"
#include "stream/snapshot.h"

namespace syncline::http {

namespace {
Result<Response> snapshot(Request& req, Context& ctx) {
  auto a = ctx.org_access(req.param("o"));
  if (!a) return a.error();
  auto p = ctx.principal();
  if (!p) return p.error();
  auto shape = entities::parse_shape_param(req.query_param("shape"));
  if (!shape) return shape.error();
  auto plan = std::make_shared<stream::SnapshotPlan>();
  plan->request.org_id = (*a)->org.id;
  plan->request.actor = actor_of(**p, **a);
  plan->request.shape = std::move(*shape);
  plan->holder = {ctx.session_key(), (*p)->user_id, client_key(req, ctx.config())};
  Response r;
  r.content_type = "application/x-ndjson";
  r.snapshot = std::move(plan);
  return r;
}
}  // namespace

void add_snapshot_routes(Router& r) {
  r.add("GET", "/organizations/{o}/snapshot", snapshot);
}

}  // namespace syncline::http
