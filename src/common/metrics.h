// Process-wide counters exported by GET /metrics (Prometheus text, names `syncline_*`).
// Relaxed atomics: counters are monotonic and read only for reporting.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>

#include "common/histogram.h"

namespace syncline {

// Paths that degrade instead of failing (each also logs a warning): counted, so a dashboard
// sees a node limping before anyone reads its log. `syncline_degraded_total{path="…"}`.
enum class Degraded : std::size_t {
  kCdcReconnect,        // the CDC worker lost its replication or writer connection
  kCdcBuildWarning,     // a change the worker could not turn into an activity as it should
  kCdcVisibility,       // a decoded transaction stayed invisible to others (per 5 s warning)
  kBusReconnect,        // the node's LISTEN connection was lost
  kBusMalformed,        // a NOTIFY payload the bus could not read (ignored)
  kLaneRetry,           // an org's lane could not read the log; retried
  kCatchUpFailed,       // a stream's catch-up read failed; it goes on from the log later
  kRevalidationFailed,  // a stream's access re-check failed; kept as it was
  kSnapshotFailed,      // a snapshot ended on a database error
  kPresenceReconnect,   // the presence relay lost its connection
  kJwksRefreshFailed,   // JWT keys could not be refreshed; the keys in hand stay
  kAcceptPaused,        // accept() failed (out of descriptors?); per warning, ≤ 1 per 5 s
  kRollbackFailed,      // a rollback after an error failed; the connection is dropped
  kLogDropBusy,         // a partition past the retention waited for a long reader: next pass
  kHistoryTrimFailed,   // the history's byte bound could not be applied now: next pass
  kCount
};
const char* degraded_path(Degraded d);

struct Metrics {
  std::array<std::atomic<std::uint64_t>, 6> responses_by_class{};  // index = status / 100
  std::atomic<std::uint64_t> mutations_applied{0};
  std::atomic<std::uint64_t> mutations_replayed{0};
  std::atomic<std::uint64_t> field_conflicts{0};
  std::atomic<std::uint64_t> mutations_merged{0};  // stale text PATCHes merged (DESIGN §21)
  std::atomic<std::uint64_t> rate_limited{0};
  std::atomic<std::uint64_t> cdc_activities_written{0};
  std::atomic<std::uint64_t> cdc_transactions{0};
  std::atomic<std::uint64_t> cdc_activities_pruned{0};   // beyond --activity-retention
  std::atomic<std::uint64_t> history_values_trimmed{0};  // beyond --history-bytes-per-org
  std::atomic<std::uint64_t> http_connections{0};        // open now (the node's cap counts these)
  std::array<std::atomic<std::uint64_t>, static_cast<std::size_t>(Degraded::kCount)> degraded{};
  // Live stream (filled by the stream module).
  std::atomic<std::int64_t> stream_subscribers{0};
  std::atomic<std::uint64_t> stream_events_delivered{0};
  std::atomic<std::uint64_t> stream_queue_overflows{0};
  std::atomic<std::uint64_t> stream_catch_up_pages{0};
  // Snapshots (DESIGN §18): open now, rows sent, and those cut short (reader gone or stalled,
  // time limit, database error).
  std::atomic<std::int64_t> snapshots_open{0};
  std::atomic<std::uint64_t> snapshot_rows{0};
  std::atomic<std::uint64_t> snapshots_cut{0};
  // Latencies users graph (issue 16 item 6): a request's handling (SSE streams excluded), a
  // source commit → its activities written (this process's CDC worker), an activity written →
  // its frame sent to a live subscriber (each live delivery; catch-up excluded).
  Histogram request_duration;
  Histogram commit_to_activity;
  Histogram activity_to_delivery;
};

Metrics& metrics();

inline void count(std::atomic<std::uint64_t>& c, std::uint64_t n = 1) {
  c.fetch_add(n, std::memory_order_relaxed);
}

inline void count(Degraded d) {
  count(metrics().degraded[static_cast<std::size_t>(d)]);
}

}  // namespace syncline
