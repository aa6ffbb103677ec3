// Operations routes: GET /health/sync (CDC + slot + NOTIFY queue; 503 while no worker is
// active, for monitors — load balancers use /health) and GET /metrics (Prometheus text). They
// name workers (host:pid) and node-wide rates: with `--ops-token` set they answer only to
// `Authorization: Bearer <ops token>` (SEC-049); /health stays open for load balancers.
#include <fmt/format.h>
#include <sodium.h>

#include "cdc/status.h"
#include "common/metrics.h"
#include "http/routes.h"

namespace syncline::http {

namespace {
Result<void> require_ops_token(const Request& req, const Config& cfg) {
  if (cfg.ops_token.empty()) return {};
  auto h = req.header("authorization").value_or("");
  const std::string prefix = "Bearer ";
  bool ok =
      h.size() == prefix.size() + cfg.ops_token.size() && h.starts_with(prefix) &&
      sodium_memcmp(h.data() + prefix.size(), cfg.ops_token.data(), cfg.ops_token.size()) == 0;
  if (!ok) return unauthorized("this route needs the ops token");
  return {};
}

Result<Response> health_sync(Request& req, Context& ctx) {
  if (auto r = require_ops_token(req, ctx.config()); !r) return r.error();
  auto s = cdc::read_sync_status(ctx.db(), ctx.config());
  // Anyone may ask a node without a token (SEC-050): the answer names no host or pid.
  if (ctx.config().ops_token.empty()) {
    auto& cdc = s.body["cdc"].as_object();
    cdc.erase("workers");
    if (auto* halted = cdc["halted"].if_object()) halted->erase("worker");
  }
  return json_response(s.healthy ? 200 : 503, s.body);
}

void counter(std::string& out, const char* name, const char* help, double value,
             const char* type = "counter") {
  out += fmt::format("# HELP {} {}\n# TYPE {} {}\n{} {}\n", name, help, name, type, name, value);
}

Result<Response> prometheus(Request& req, Context& ctx) {
  if (auto r = require_ops_token(req, ctx.config()); !r) return r.error();
  auto& m = metrics();
  auto s = cdc::read_sync_status(ctx.db(), ctx.config());
  std::string out;
  out +=
      "# HELP syncline_http_responses_total HTTP responses by status class\n"
      "# TYPE syncline_http_responses_total counter\n";
  for (std::size_t c = 1; c < m.responses_by_class.size(); ++c)
    out += fmt::format("syncline_http_responses_total{{class=\"{}xx\"}} {}\n", c,
                       m.responses_by_class[c].load());
  out +=
      "# HELP syncline_degraded_total paths that degraded instead of failing (each logged)\n"
      "# TYPE syncline_degraded_total counter\n";
  for (std::size_t d = 0; d < m.degraded.size(); ++d)
    out += fmt::format("syncline_degraded_total{{path=\"{}\"}} {}\n",
                       degraded_path(static_cast<Degraded>(d)), m.degraded[d].load());
  counter(out, "syncline_mutations_applied_total", "mutations written", m.mutations_applied);
  counter(out, "syncline_mutations_replayed_total", "retries answered from the ledger",
          m.mutations_replayed);
  counter(out, "syncline_mutations_merged_total",
          "stale updates of merge: text fields merged three-way", m.mutations_merged);
  counter(out, "syncline_field_conflicts_total", "409 FIELD_CONFLICT answers", m.field_conflicts);
  counter(out, "syncline_rate_limited_total", "429 answers", m.rate_limited);
  counter(out, "syncline_cdc_activities_total", "activities written by this process's worker",
          m.cdc_activities_written);
  counter(out, "syncline_cdc_transactions_total", "source transactions processed here",
          m.cdc_transactions);
  counter(out, "syncline_cdc_active", "1 when a CDC worker is active (any node)", s.healthy ? 1 : 0,
          "gauge");
  counter(out, "syncline_cdc_halted",
          "1 when CDC halted on a message no worker can decode (any node; see /health/sync)",
          s.halted ? 1 : 0, "gauge");
  counter(out, "syncline_cdc_lag_bytes", "WAL bytes not yet confirmed by the slot",
          static_cast<double>(s.lag_bytes), "gauge");
  counter(out, "syncline_cdc_retained_wal_bytes", "WAL bytes the slot retains",
          static_cast<double>(s.retained_bytes), "gauge");
  counter(out, "syncline_notify_queue_usage", "pg_notification_queue_usage() (alert > 0.1)",
          s.notify_queue_usage, "gauge");
  counter(out, "syncline_http_connections", "open HTTP connections on this node (this one too)",
          static_cast<double>(m.http_connections.load()), "gauge");
  counter(out, "syncline_stream_subscribers", "open live streams on this node",
          static_cast<double>(m.stream_subscribers.load()), "gauge");
  counter(out, "syncline_stream_events_delivered_total", "events sent to subscribers",
          m.stream_events_delivered);
  counter(out, "syncline_stream_queue_overflows_total", "slow subscribers switched to catch-up",
          m.stream_queue_overflows);
  counter(out, "syncline_stream_catch_up_pages_total", "catch-up pages read",
          m.stream_catch_up_pages);
  counter(out, "syncline_cdc_activities_pruned_total",
          "activities this process's worker pruned beyond --activity-retention",
          m.cdc_activities_pruned);
  counter(out, "syncline_history_values_trimmed_total",
          "past text values this process's worker dropped beyond --history-bytes-per-org",
          m.history_values_trimmed);
  counter(out, "syncline_snapshots_open", "snapshots being streamed on this node",
          static_cast<double>(m.snapshots_open.load()), "gauge");
  counter(out, "syncline_snapshot_rows_total", "entities sent in snapshots", m.snapshot_rows);
  counter(out, "syncline_snapshots_cut_total",
          "snapshots ended before their last line (reader gone or stalled, time limit, database)",
          m.snapshots_cut);
  m.request_duration.render(out, "syncline_http_request_duration_seconds",
                            "time to answer a request (live streams excluded)");
  m.commit_to_activity.render(out, "syncline_cdc_commit_to_activity_seconds",
                              "source commit to its activities written (this process's worker)");
  m.activity_to_delivery.render(out, "syncline_stream_activity_to_delivery_seconds",
                                "activity written to its frame sent to a live stream");
  Response r;
  r.content_type = "text/plain; version=0.0.4; charset=utf-8";
  r.body = std::move(out);
  return r;
}
}  // namespace

void add_ops_routes(Router& r) {
  r.add("GET", "/health/sync", health_sync);
  r.add("GET", "/metrics", prometheus);
}

}  // namespace syncline::http
