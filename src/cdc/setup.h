// Database-side set-up of the CDC worker, run on its writer connection: prerequisites,
// publications (created or extended to every registry table), the slot (with a sync_epochs
// row recorded before each creation and made current after it) and the cdc_workers heartbeat.
#pragma once

#include <optional>
#include <string>

#include "cdc/retention.h"
#include "common/config.h"
#include "db/connection.h"

namespace syncline::cdc {

// Throws CdcConfigError when wal_level is not logical or the role lacks REPLICATION, or a
// configured name is not a plain identifier.
void check_prerequisites(db::Connection& c, const Config& cfg);
// The session advisory lock that makes a worker the active one.
bool try_become_active(db::Connection& c, const Config& cfg);
void ensure_publications(db::Connection& c, const Config& cfg);
// Creates the slot when missing or lost; returns true when it did (a new sync epoch).
bool ensure_slot(db::Connection& c, const Config& cfg);
// Begins a new sync epoch (its first activity is the next one) and tells every node's bus
// (NOTIFY syncline_epoch), which resets the streams of older epochs: the history before it is
// not continuous for clients (slot recreated, synced table truncated). kPending records it
// without making it current; activate_pending_epochs() does that (see ensure_slot): it is a
// new slot's epoch (`starts_slot`: replays are judged against the rows since), kNow a truncate's.
enum class EpochStart { kNow, kPending };
void begin_epoch(db::Connection& c, EpochStart start = EpochStart::kNow);
// Makes every pending epoch current and announces the newest; returns whether there was one.
bool activate_pending_epochs(db::Connection& c);
// Deletes idempotency records older than 30 days (DESIGN §3), and with a bounded activity log
// none younger than its oldest activity, in batches; records the horizon (ledger_horizon:
// what snapshots call `ledgerFrom`); returns the count. Deletes are not published
// (syncline_tx_pub is insert-only), so this makes no activities.
std::int64_t prune_applied_transactions(db::Connection& c, const Retention& retention);
// The worker halted on purpose (issue 27 item 3): its row says so, with the reason, until a
// worker with the same id beats again.
void record_halt(db::Connection& c, const std::string& worker_id, const std::string& reason);
void heartbeat(db::Connection& c, const std::string& worker_id, const std::string& state,
               const std::optional<std::string>& last_lsn, bool message_seen);

}  // namespace syncline::cdc
