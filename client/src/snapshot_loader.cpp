#include "snapshot_loader.h"

#include <boost/json/parse.hpp>
#include <vector>

#include "common/json_parse.h"
#include "syncline/shape.h"

namespace syncline::client {

namespace json = boost::json;

namespace {
// Turns the answer's pieces into lines, and lines into cache writes.
class Lines {
 public:
  Lines(const std::string& org_id, LocalStore& store,
        const std::function<void(const HydrationProgress&)>& progress, SnapshotOutcome& out)
      : org_id_(org_id), store_(store), progress_(progress), out_(out) {}

  // False when the answer is malformed (stop reading).
  bool feed(std::string_view piece) {
    bytes_ += piece.size();
    for (;;) {
      auto nl = piece.find('\n');
      if (nl == std::string_view::npos) break;
      bool ok = true;
      if (partial_.empty()) {
        ok = line(piece.substr(0, nl));
      } else {
        partial_.append(piece.substr(0, nl));
        ok = line(partial_);
        partial_.clear();
      }
      if (!ok) return false;
      piece.remove_prefix(nl + 1);
    }
    partial_.append(piece);
    if (partial_.size() > kSnapshotMaxLine) return fail("a line over 64 MiB");
    if (batch_.size() >= kSnapshotBatch) flush();
    return true;
  }

  void flush() {
    if (batch_.empty()) return;
    store_.put_batch(batch_);
    out_.rows += static_cast<std::int64_t>(batch_.size());
    batch_.clear();
    if (progress_) progress_(HydrationProgress{out_.rows, bytes_, false});
  }

  bool finish() {
    flush();
    if (!out_.complete && out_.error.empty())
      out_.error = "the snapshot ended before its last line";
    if (out_.complete && progress_) progress_(HydrationProgress{out_.rows, bytes_, true});
    return out_.complete;
  }

 private:
  bool fail(std::string why) {
    out_.error = "malformed snapshot: " + why;
    return false;
  }

  bool line(std::string_view text) {
    if (out_.complete) return fail("a line after the last one");
    boost::system::error_code ec;
    auto v = parse_json(text, ec);
    if (ec || !v.is_object()) return fail("a line that is not a JSON object");
    auto& o = v.as_object();
    if (const auto* offset = o.if_contains("offset")) {
      const auto* rows = o.if_contains("rows");
      const auto* ledger = o.if_contains("ledgerFrom");
      if (!offset->is_int64() || !rows || !rows->is_int64()) return fail("a bad last line");
      flush();
      out_.offset = offset->as_int64();
      out_.ledger_from = ledger && ledger->is_int64() ? ledger->as_int64() : 0;
      if (rows->as_int64() != out_.rows) return fail("a row count that does not match");
      out_.complete = true;
      return true;
    }
    auto* type = o.if_contains("entityType");
    auto* data = o.if_contains("data");
    auto* field_tx = o.if_contains("fieldTx");
    if (!type || !type->is_string() || !data || !data->is_object()) return fail("a bad entity");
    auto* id = data->as_object().if_contains("id");
    if (!id || !id->is_string()) return fail("an entity without id");
    CachedEntity e{
        EntityKey{org_id_, std::string(type->as_string()), std::string(id->as_string())},
        std::move(data->as_object()),
        field_tx && field_tx->is_object() ? std::move(field_tx->as_object()) : json::object{}};
    for (const auto& kv : e.field_tx)
      if (kv.value().is_string() && kv.value().as_string() > out_.newest_tx)
        out_.newest_tx = std::string(kv.value().as_string());
    batch_.push_back(std::move(e));
    return true;
  }

  const std::string& org_id_;
  LocalStore& store_;
  const std::function<void(const HydrationProgress&)>& progress_;
  SnapshotOutcome& out_;
  std::string partial_;
  std::vector<CachedEntity> batch_;
  std::uint64_t bytes_ = 0;
};
}  // namespace

SnapshotOutcome load_snapshot(const Api& api, const std::string& org_id, const std::string& shape,
                              LocalStore& store,
                              const std::function<void(const HydrationProgress&)>& progress,
                              const std::atomic<bool>& stop) {
  SnapshotOutcome out;
  Lines lines(org_id, store, progress, out);
  bool malformed = false;
  const std::string target = "/organizations/" + org_id + "/snapshot" +
                             (shape.empty() ? "" : "?shape=" + query_encode(shape));
  auto r = api.stream_get(target, [&](std::string_view piece) {
    if (stop) return false;
    malformed = !lines.feed(piece);
    return !malformed;
  });
  out.status = r.status;
  out.retry_after_s = r.retry_after_s;
  if (!r.ok()) {
    out.error = r.status == 0 ? r.error : "the server answered " + std::to_string(r.status);
    if (r.body.is_object())
      if (const auto* e = r.body.as_object().if_contains("error"); e && e->is_object())
        if (const auto* m = e->as_object().if_contains("message"); m && m->is_string())
          out.error += ": " + std::string(m->as_string());
    return out;
  }
  if (!malformed) lines.finish();
  return out;
}

}  // namespace syncline::client
