// Worker: the CDC loop of DESIGN §5. Exactly one worker is active per database: it holds a
// session advisory lock on the same connection that writes activities (losing that
// connection means losing both the lock and the ability to write); others stay standby and
// retry the lock every second. The active worker ensures the publications and the slot
// (recording a pending sync_epochs row before it creates a slot, made current after it),
// streams pgoutput, and per source transaction INSERTs its activities (those above the log's
// newest (lsn, seq)) and their NOTIFYs in one transaction, COMMITs, and only then acknowledges the
// Commit's end_lsn. A crash at
// any point therefore replays from the last acknowledged commit without losing or
// duplicating an activity. Failed connections are retried with backoff 1 s → 30 s, ±20 %.
//
// Batches: up to 5,000 activities per writer transaction; a transaction Postgres streamed
// before its commit (cdc/spill.h) is written in chunks after everything committed before it,
// and its end_lsn acknowledged after the last chunk. With nothing in hand, keepalives
// acknowledge the server's WAL end. A TRUNCATE's new epoch (CDC-030) begins once the truncating
// transaction is committed and visible, after everything before it is written.
// With --activity-retention the active worker also drops whole partitions of the log past the
// retention, once a second between source transactions (cdc/log_partitions.h). The constructor
// throws CdcConfigError for a retention it cannot read.
// A message no session can decode (cdc/decode_halt.h) halts it: run() records the reason
// (cdc_workers.state 'halted', for /health/sync) and throws CdcHalted.
// run() blocks on the calling thread (its own thread; never an event-loop thread) until
// stop() is called from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "cdc/retention.h"
#include "common/backoff.h"
#include "common/config.h"

namespace syncline::cdc {

// The database cannot host a CDC worker (wal_level, REPLICATION privilege): retrying is
// pointless, so run() throws this instead of reconnecting.
class CdcConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Worker {
 public:
  explicit Worker(const Config& cfg);
  void run();
  void stop() { stop_ = true; }
  const std::string& id() const { return id_; }

 private:
  void run_session();
  [[noreturn]] void halt(const std::string& reason);
  void retry_later(const std::string& what, std::chrono::steady_clock::time_point started,
                   Backoff& backoff);
  bool stopped() const { return stop_.load(); }

  const Config& cfg_;
  std::string id_;
  Retention retention_;  // DESIGN §18: the bounded log (none: keep everything)
  std::atomic<bool> stop_{false};
};

}  // namespace syncline::cdc
