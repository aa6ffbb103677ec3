#include "cdc/worker.h"

#include <unistd.h>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <random>
#include <thread>

#include "cdc/activity_writer.h"
#include "cdc/bulk.h"
#include "cdc/decode_halt.h"
#include "cdc/log_partitions.h"
#include "cdc/replication_stream.h"
#include "cdc/retention.h"
#include "cdc/setup.h"
#include "cdc/spill.h"
#include "cdc/visibility.h"
#include "common/backoff.h"
#include "common/clock.h"
#include "common/metrics.h"
#include "db/connection.h"
#include "entities/history_bound.h"

namespace syncline::cdc {

namespace {
// pgoutput times count µs from 2000-01-01 UTC.
constexpr std::int64_t kPostgresEpochUs = 946'684'800LL * 1'000'000;

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr auto kStatusInterval = seconds(10);  // well below wal_sender_timeout (60 s)
constexpr auto kHeartbeatInterval = seconds(1);
constexpr auto kLockRetry = seconds(1);
constexpr auto kPruneInterval = std::chrono::hours(1);
// The bounded activity log drops its partitions beyond the retention this often.
constexpr auto kLogPruneInterval = seconds(1);
constexpr auto kHistoryTrimInterval = seconds(5);  // DESIGN §21: history bytes per org
// Source transactions already received are written together: up to this many activities
// per writer transaction, flushed as soon as the stream has nothing more in hand.
constexpr std::size_t kBatchActivities = 5000;
// A stream block (up to --decoding-work-mem of Postgres' decoded changes) is built and spilled
// in runs of this many changes, so the worker holds one run, not one block.
constexpr std::size_t kSpillRun = 1000;

std::string make_worker_id() {
  char host[256] = {0};
  gethostname(host, sizeof host - 1);
  return std::string(host) + ":" + std::to_string(getpid());
}

// One streaming session: decodes frames, writes the activities of the source transactions
// received so far in one writer transaction, acknowledges only what committed.
class Session {
 public:
  Session(db::Connection& writer, ReplicationStream& stream, const std::string& worker_id,
          const Retention& retention, std::size_t bulk_threshold,
          std::int64_t history_bytes_per_org, const std::atomic<bool>& stop)
      : writer_(writer),
        stream_(stream),
        worker_id_(worker_id),
        retention_(retention),
        bulk_threshold_(bulk_threshold),
        history_(history_bytes_per_org),
        partitions_(partition_width(retention)),
        stop_(stop) {}

  void run() {
    auto next_status = Clock::now() + kStatusInterval;
    auto next_heartbeat = Clock::now();
    auto next_prune = Clock::now();
    auto next_log_prune = Clock::now();
    auto next_history_trim = Clock::now();
    while (!stop_) {
      // With a batch in hand, only take what has already arrived; flush when nothing has.
      auto frame = stream_.read(pending_end_ == 0 ? milliseconds(200) : milliseconds(0));
      if (frame) handle_frame(*frame);
      if ((!frame && pending_end_ != 0) || batch_.size() >= kBatchActivities) flush();
      auto now = Clock::now();
      if (now >= next_status) {
        stream_.send_status(acked_);
        next_status = now + kStatusInterval;
      }
      if (now >= next_heartbeat) {
        heartbeat(writer_, worker_id_, "active", format_lsn(acked_), message_seen_);
        message_seen_ = false;
        next_heartbeat = now + kHeartbeatInterval;
      }
      if (now >= next_prune && !current_) {
        prune_applied_transactions(writer_, retention_);
        next_prune = now + kPruneInterval;
      }
      if (retention_.enabled() && now >= next_log_prune && !current_) {
        prune_log();
        next_log_prune = now + kLogPruneInterval;
      }
      if (now >= next_history_trim && !current_ && pending_end_ == 0) {
        trim_history();
        next_history_trim = now + kHistoryTrimInterval;
      }
    }
    // Draining on shutdown: what was received whole is written and acknowledged; a
    // transaction still being received is not, and is replayed by the next worker.
    flush();
    stream_.send_status(acked_);
  }

 private:
  // Best effort: a trim that meets a busy row or an error is counted and tried again on a later
  // pass; it never ends the replication session.
  void trim_history() {
    try {
      count(metrics().history_values_trimmed, static_cast<std::uint64_t>(history_.trim(writer_)));
    } catch (const db::DbError& e) {
      spdlog::warn("cdc: the history's byte bound: {}", e.what());
      count(Degraded::kHistoryTrimFailed);
    }
  }

  // Whole partitions of the bounded log beyond its retention (cdc/log_partitions.h).
  void prune_log() {
    const auto pruned = partitions_.prune(writer_, retention_);
    if (pruned > 0) {
      count(metrics().cdc_activities_pruned, static_cast<std::uint64_t>(pruned));
      spdlog::debug("cdc: pruned {} activities beyond the retention", pruned);
    }
  }

  void handle_frame(const std::string& bytes) {
    auto decoded = decode_frame(bytes);
    if (auto* err = std::get_if<DecodeError>(&decoded))
      throw UndecodableMessage(acked_, "replication frame: " + err->message);
    message_seen_ = true;
    const auto& frame = std::get<Frame>(decoded);
    if (const auto* k = std::get_if<Keepalive>(&frame)) {
      // Nothing pending: acknowledge the server's WAL end so that writes to unpublished
      // tables do not pin WAL. Inside a transaction, never ack beyond what committed.
      if (!current_ && batch_.empty() && pending_end_ == 0 && streamed_.empty())
        acked_ = std::max(acked_, k->wal_end);
      if (k->reply_requested) stream_.send_status(acked_);
      return;
    }
    const auto& data = std::get<XLogData>(frame);
    auto msg = decode_message(data.payload, in_stream_ != 0);
    if (auto* err = std::get_if<DecodeError>(&msg))
      throw UndecodableMessage(data.data_start, "pgoutput: " + err->message);
    std::visit([this](auto& m) { on(m); }, std::get<Message>(msg));
  }

  void on(Begin& b) {
    current_ = SourceTransaction{b.final_lsn, 0, {}, b.xid};
    current_commit_us_ = b.commit_time + kPostgresEpochUs;
    truncates_ = false;
  }
  void on(Relation& r) { relations_[r.relid] = std::move(r); }
  void on(Type&) {}
  void on(Origin&) {}
  void on(Insert& m) { add({'I', m.relid, {}, std::move(m.new_tuple)}, m.xid); }
  void on(Update& m) { add({'U', m.relid, std::move(m.old_tuple), std::move(m.new_tuple)}, m.xid); }
  void on(Delete& m) { add({'D', m.relid, std::move(m.old_tuple), {}}, m.xid); }
  // CDC-030: a TRUNCATE removes rows without a change per row; clients of every org converge
  // through a new sync epoch (their streams get `event: reset`, they reload), begun once the
  // truncating transaction commits and is visible, after everything before it was written.
  void on(Truncate& t) {
    std::string names;
    for (auto id : t.relids)
      names += (names.empty() ? "" : ", ") +
               (relations_.count(id) ? relations_[id].relname : std::to_string(id));
    spdlog::info("cdc: TRUNCATE of {}: a new sync epoch begins at its commit", names);
    if (in_stream_ != 0)
      streamed_.at(in_stream_)->truncates = true;
    else
      truncates_ = true;
  }

  // A transaction Postgres streams before it commits: its blocks' activities go to its spill
  // file; nothing is written or acknowledged until its Stream Commit.
  void on(StreamStart& m) {
    if (in_stream_ != 0 || current_) throw std::runtime_error("pgoutput: nested Stream Start");
    in_stream_ = m.xid;
    if (!streamed_.count(m.xid)) streamed_[m.xid] = std::make_unique<SpilledTransaction>(m.xid);
  }
  void on(StreamStop&) {
    if (in_stream_ == 0) throw std::runtime_error("pgoutput: Stream Stop outside a stream");
    spill_block();
    in_stream_ = 0;
  }
  void on(StreamAbort& m) {
    auto it = streamed_.find(m.xid);
    if (it == streamed_.end()) return;  // nothing of it was streamed to us
    if (m.subxid == m.xid)
      streamed_.erase(it);  // rolled back: no activity, the file goes
    else
      it->second->abort_subtransaction(m.subxid);
  }
  void on(StreamCommit& c) {
    auto it = streamed_.find(c.xid);
    if (in_stream_ != 0) throw std::runtime_error("pgoutput: Stream Commit inside a stream");
    // Commit order: what committed before it is written first.
    flush();
    if (pending_end_ != 0 || !wait_until_visible(writer_, {c.xid}, stop_))
      throw std::runtime_error(
          "stopping before a streamed transaction was written; it is replayed");
    if (it != streamed_.end()) {
      auto& t = *it->second;
      if (t.truncates) begin_epoch(writer_);
      // In chunks, each its own writer transaction (above the log's newest (lsn, seq)): a
      // crash before the ack below replays the whole transaction and the chunks written dedupe.
      std::size_t written = 0;
      BulkCollapse bulk(t.bulk(bulk_threshold_));  // DATA-SCALE-005: a marker per bulk pair
      for (auto chunk = t.next(kBatchActivities, c.commit_lsn); !chunk.empty();
           chunk = t.next(kBatchActivities, c.commit_lsn)) {
        bulk.apply(chunk);
        partitions_.ensure(writer_, static_cast<std::int64_t>(chunk.size()));
        written += write_activities(writer_, chunk);
      }
      count(metrics().cdc_activities_written, written);
      metrics().commit_to_activity.observe(
          static_cast<double>(now_us() - (c.commit_time + kPostgresEpochUs)) / 1e6);
      spdlog::debug("cdc: wrote a streamed transaction's {} activities ({} new) up to {}",
                    t.appended(), written, format_lsn(c.end_lsn));
      streamed_.erase(it);
    }
    count(metrics().cdc_transactions);
    acked_ = std::max(acked_, c.end_lsn);
    stream_.send_status(acked_);
  }
  void on(Commit& c) {
    if (!current_) throw std::runtime_error("pgoutput: Commit without Begin");
    if (truncates_) {
      truncates_ = false;
      flush();  // what committed before keeps its place in the old epoch
      if (pending_end_ != 0 || !wait_until_visible(writer_, {current_->xid}, stop_))
        throw std::runtime_error("stopping before a truncate's new epoch; it is replayed");
      // A crash after this and before the ack replays the transaction: one more epoch, one
      // more reset (harmless), never a truncate left unannounced.
      begin_epoch(writer_);
    }
    auto built = build_activities(*current_, relations_);
    for (const auto& w : built.warnings) {
      spdlog::warn("cdc: {}", w);
      count(Degraded::kCdcBuildWarning);
    }
    collapse_bulk(built.activities, bulk_threshold_);  // DATA-SCALE-005
    if (!built.activities.empty()) {
      batch_xids_.push_back(current_->xid);
      batch_commits_us_.push_back(current_commit_us_);
    }
    for (auto& a : built.activities) batch_.push_back(std::move(a));
    pending_end_ = std::max(pending_end_, c.end_lsn);
    count(metrics().cdc_transactions);
    current_.reset();
  }

  // Writes the batch and only then, after our own COMMIT, moves the slot past it.
  void flush() {
    if (pending_end_ == 0) return;
    // Readers of an activity must see its row (visibility.h): wait for Postgres, not a client.
    if (!wait_until_visible(writer_, batch_xids_, stop_)) return;
    partitions_.ensure(writer_, static_cast<std::int64_t>(batch_.size()));
    auto n = write_activities(writer_, batch_);
    count(metrics().cdc_activities_written, n);
    spdlog::debug("cdc: wrote {} activities ({} new) up to {}", batch_.size(), n,
                  format_lsn(pending_end_));
    batch_.clear();
    batch_xids_.clear();
    // Commit → activities written, per source transaction (both on the database's clock: the
    // commit time is the primary's, ours is this host's — one box here, NTP in production).
    const std::int64_t now = now_us();
    for (auto at : batch_commits_us_)
      metrics().commit_to_activity.observe(static_cast<double>(now - at) / 1e6);
    batch_commits_us_.clear();
    acked_ = std::max(acked_, pending_end_);
    pending_end_ = 0;
    stream_.send_status(acked_);
  }

  void add(RowChange ch, std::uint32_t xid) {
    if (in_stream_ != 0) {
      // One run of a subtransaction's changes is built at a time (its claims and rows come
      // from the same statements), so each activity knows the subtransaction it belongs to.
      if (xid != block_subxid_ || block_.changes.size() >= kSpillRun) spill_block();
      block_subxid_ = xid;
      block_.changes.push_back(std::move(ch));
      return;
    }
    if (!current_) throw std::runtime_error("pgoutput: row change outside a transaction");
    current_->changes.push_back(std::move(ch));
  }

  // The open stream block's changes so far → activities in its transaction's spill file.
  void spill_block() {
    if (block_.changes.empty()) return;
    auto built = build_activities(block_, relations_);
    for (const auto& w : built.warnings) {
      spdlog::warn("cdc: {}", w);
      count(Degraded::kCdcBuildWarning);
    }
    auto& t = *streamed_.at(in_stream_);
    for (const auto& a : built.activities) t.append(block_subxid_, a);
    block_.changes.clear();
  }

  db::Connection& writer_;
  ReplicationStream& stream_;
  const std::string& worker_id_;
  const Retention& retention_;
  const std::size_t bulk_threshold_;  // rows of one (org, type) in a transaction; 0: no markers
  entities::HistoryBound history_;
  LogPartitions partitions_;
  const std::atomic<bool>& stop_;
  std::map<std::uint32_t, Relation> relations_;  // reset with every session
  std::optional<SourceTransaction> current_;
  std::vector<PendingActivity> batch_;          // received whole, not yet written
  std::vector<std::uint32_t> batch_xids_;       // source transactions with activities in batch_
  std::vector<std::int64_t> batch_commits_us_;  // their commit times (Unix µs)
  std::int64_t current_commit_us_ = 0;
  Lsn pending_end_ = 0;  // end_lsn of the last transaction in batch_ (0: none)
  Lsn acked_ = 0;
  bool message_seen_ = false;
  bool truncates_ = false;  // the source transaction being received truncated a synced table
  // Streamed transactions in progress, by top-level xid, and the open stream block.
  std::map<std::uint32_t, std::unique_ptr<SpilledTransaction>> streamed_;
  std::uint32_t in_stream_ = 0;  // the open block's transaction; 0 outside a block
  SourceTransaction block_;      // its changes not yet built (one subtransaction's run)
  std::uint32_t block_subxid_ = 0;
};

void sleep_unless_stopped(const std::atomic<bool>& stop, milliseconds d) {
  auto until = Clock::now() + d;
  while (!stop && Clock::now() < until) std::this_thread::sleep_for(milliseconds(50));
}
}  // namespace

Worker::Worker(const Config& cfg) : cfg_(cfg), id_(make_worker_id()) {
  auto r = parse_retention(cfg.activity_retention);
  if (!r)
    throw CdcConfigError("--activity-retention: '" + cfg.activity_retention +
                         "' is neither an age (30d, 12h, 90m, 3600s) nor a count (200000)");
  retention_ = *r;
}

void Worker::run() {
  Backoff backoff;  // 1 s → 30 s, ±20 %
  DecodeStrikes strikes;
  while (!stopped()) {
    auto started = Clock::now();
    try {
      run_session();
    } catch (const CdcConfigError&) {
      throw;
    } catch (const UndecodableMessage& e) {
      if (strikes.strike(e.at())) halt(e.what());
      retry_later(e.what(), started, backoff);
    } catch (const std::exception& e) {
      strikes.clear();
      retry_later(e.what(), started, backoff);
    }
  }
  spdlog::info("cdc: worker {} stopped", id_);
}

// Recorded first (best effort: the database may be down too), then thrown: the session's
// connection is gone by now, so the standby takes the lock, meets the same bytes and halts too.
void Worker::halt(const std::string& reason) {
  spdlog::critical("cdc: halted: {} (every replay brings the same bytes; see /health/sync)",
                   reason);
  try {
    db::Connection c(cfg_.database_url, "-c statement_timeout=2s");
    record_halt(c, id_, reason);
  } catch (const std::exception& e) {
    spdlog::error("cdc: could not record the halt: {}", e.what());
  }
  throw CdcHalted("CDC halted: " + reason);
}

void Worker::retry_later(const std::string& what, Clock::time_point started, Backoff& backoff) {
  if (Clock::now() - started > seconds(30)) backoff.reset();
  auto delay = backoff.next();
  spdlog::warn("cdc: {}; reconnecting in {} ms", what, delay.count());
  count(Degraded::kCdcReconnect);
  try {  // best effort: the database may be the thing that is down
    db::Connection c(cfg_.database_url, "-c statement_timeout=2s");
    heartbeat(c, id_, "reconnecting", std::nullopt, false);
  } catch (const std::exception&) {
  }
  sleep_unless_stopped(stop_, delay);
}

void Worker::run_session() {
  // No lock wait lasts forever (e.g. behind a killed predecessor's backend): it becomes an
  // error, and the worker reconnects and tries again (its acks follow its commits, so a retry
  // never loses or duplicates an activity). No statement timeout: one huge source transaction
  // is one long INSERT.
  db::Connection writer(cfg_.database_url, "-c lock_timeout=10s");
  check_prerequisites(writer, cfg_);
  bool announced = false;
  while (!try_become_active(writer, cfg_)) {
    if (!announced) spdlog::info("cdc: another worker is active; {} is standby", id_);
    announced = true;
    heartbeat(writer, id_, "standby", std::nullopt, false);
    sleep_unless_stopped(stop_, kLockRetry);
    if (stopped()) return;
  }
  spdlog::info("cdc: worker {} is active", id_);
  if (auto n = remove_orphaned_spill_files(std::filesystem::temp_directory_path()))
    spdlog::info("cdc: removed {} spill files of workers that no longer run", n);
  ensure_publications(writer, cfg_);
  ensure_slot(writer, cfg_);
  ReplicationStream stream(cfg_.database_url, cfg_.cdc_decoding_work_mem_kb);
  stream.start(cfg_.cdc_slot, {cfg_.cdc_publication, cfg_.cdc_tx_publication});
  heartbeat(writer, id_, "active", std::nullopt, false);
  Session session(writer, stream, id_, retention_, cfg_.bulk_threshold, cfg_.history_bytes_per_org,
                  stop_);
  session.run();
  heartbeat(writer, id_, "stopped", std::nullopt, false);
}

}  // namespace syncline::cdc
