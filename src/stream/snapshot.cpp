#include "stream/snapshot.h"

#include <algorithm>
#include <bit>

#include "common/json_text.h"
#include "db/sql.h"
#include "entities/store.h"
#include "stream/catch_up.h"

namespace syncline::stream {

namespace {
constexpr std::size_t kMinFetch = 1, kMaxFetch = 4096;

// The rows of one type this reader may see, as lines: the org's, in the shape, and only the
// actor's own when its read grant is `own`.
std::string select_lines(const entities::EntityType& type, const SnapshotRequest& r,
                         db::Params& params) {
  params.push_back(r.org_id);
  std::string where = "t." + db::ident(type.org_column) + " = $" + std::to_string(params.size());
  if (r.shape)
    if (const auto* ts = r.shape->of(type.name)) where += ts->sql("t", params);
  if (entities::grant_for(r.actor, entities::Op::kRead, type) == entities::Grant::kOwn) {
    params.push_back(r.actor.owner_id());
    where +=
        " AND t." + db::ident(type.owner_column) + "::text = $" + std::to_string(params.size());
  }
  return "SELECT row_to_json(x)::text FROM (SELECT " + entities::line_columns(type, "t") +
         " FROM " + type.sql_table + " t WHERE " + where + ") x";
}

// The types a snapshot holds: the shape's (or all), those the actor may read.
std::vector<const entities::EntityType*> readable_types(const SnapshotRequest& r) {
  std::vector<const entities::EntityType*> out;
  for (const auto& t : entities::entity_types()) {
    if (r.shape && !r.shape->of(t.name)) continue;
    if (entities::grant_for(r.actor, entities::Op::kRead, t) == entities::Grant::kNone) continue;
    out.push_back(&t);
  }
  return out;
}
}  // namespace

SnapshotReader::SnapshotReader(const std::string& database_url, SnapshotRequest request,
                               int max_seconds)
    : request_(std::move(request)) {
  conn_ = std::make_unique<db::Connection>(
      database_url, "-c statement_timeout=60s -c idle_in_transaction_session_timeout=" +
                        std::to_string(max_seconds + 30) + "s");
  auto& c = *conn_;
  c.exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
  // The first read fixes the transaction's snapshot: the offset and every row come from it.
  offset_ = head_of(c, request_.org_id);
  // How far back the idempotency ledger reaches (cdc/setup.h prune_applied_transactions).
  ledger_from_ = c.exec(
                      "SELECT coalesce((SELECT (extract(epoch FROM pruned_before) * 1000)::bigint"
                      " FROM ledger_horizon), 0)")
                     .get_int(0, 0);
  int n = 0;
  for (const auto* type : readable_types(request_)) {
    db::Params params;
    auto sql = select_lines(*type, request_, params);
    cursors_.push_back("snapshot_" + std::to_string(n++));
    c.exec("DECLARE " + cursors_.back() + " NO SCROLL CURSOR FOR " + sql, params);
  }
}

SnapshotReader::~SnapshotReader() = default;

bool SnapshotReader::next(std::string& out) {
  if (done_) return false;
  const std::size_t start = out.size();
  while (current_ < cursors_.size() && out.size() - start < kBatchBytes) {
    // Counts are powers of two: each distinct FETCH text is prepared once per connection.
    auto r = conn_->exec("FETCH " + std::to_string(fetch_) + " FROM " + cursors_[current_]);
    for (int i = 0; i < r.size(); ++i) {
      auto line = r.get(i, 0);
      widest_ = std::max(widest_, line.size());
      append_js_numbers(out, line);  // float8 as Postgres writes it: 1e+15 (ADOPT-007)
      out += '\n';
    }
    rows_ += r.size();
    if (static_cast<std::size_t>(r.size()) < fetch_) ++current_;
    // The next FETCH holds about a batch of rows as wide as the widest seen so far.
    fetch_ = std::bit_floor(
        std::clamp(kBatchBytes / std::max<std::size_t>(widest_ + 1, 1), kMinFetch, kMaxFetch));
  }
  if (current_ < cursors_.size()) return true;
  out += "{\"offset\":" + std::to_string(offset_) + ",\"rows\":" + std::to_string(rows_) +
         ",\"ledgerFrom\":" + std::to_string(ledger_from_) + "}\n";
  conn_->exec("COMMIT");
  done_ = true;
  return false;
}

}  // namespace syncline::stream
