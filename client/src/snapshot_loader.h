// Hydration from a snapshot (DESIGN §18, internal): GET /organizations/{org}/snapshot[?shape=]
// read piece by piece, split into lines (each at most kMaxLine bytes), each parsed and its
// entity written to the cache in batches (one SQLite transaction per kBatch), so memory stays
// about one batch whatever the org holds. Runs on the calling thread; blocking.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>

#include "syncline/api.h"
#include "syncline/client.h"
#include "syncline/local_store.h"

namespace syncline::client {

struct SnapshotOutcome {
  int status = 0;  // the HTTP status; 0: no answer
  std::string error;
  bool complete = false;    // the last line arrived: the cache holds the snapshot
  std::int64_t offset = 0;  // the stream from here completes it (apply ids > offset)
  std::int64_t rows = 0;
  std::int64_t ledger_from = 0;  // Unix ms: the server's idempotency ledger reaches back to here
  std::string newest_tx;         // the greatest transaction id in it (the HLC receive rule)
  int retry_after_s = 0;         // the server's Retry-After on a 429/503
};

inline constexpr std::size_t kSnapshotBatch = 1000;
inline constexpr std::size_t kSnapshotMaxLine = 64u << 20;

// `shape` is the query's JSON ("" = the whole org). `progress` is called after each batch and
// once at the end; `stop` ends the read early (then not complete).
SnapshotOutcome load_snapshot(const Api& api, const std::string& org_id, const std::string& shape,
                              LocalStore& store,
                              const std::function<void(const HydrationProgress&)>& progress,
                              const std::atomic<bool>& stop);

}  // namespace syncline::client
