// CDC state as any API node sees it, read from Postgres (cdc_workers heartbeats, the slot,
// the NOTIFY queue), for GET /health/sync and GET /metrics.
#pragma once

#include <boost/json/object.hpp>

#include "common/config.h"
#include "db/connection.h"

namespace syncline::cdc {

struct SyncStatus {
  boost::json::object body;     // the /health/sync document
  bool healthy = false;         // an active worker beat within 5 s and the slot exists
  bool halted = false;          // no active worker, and one halted on a message it cannot decode
  std::int64_t lag_bytes = -1;  // WAL between now and the slot's confirmed position
  std::int64_t retained_bytes = -1;  // WAL the slot keeps (from restart_lsn)
  double notify_queue_usage = 0;
};

SyncStatus read_sync_status(db::Connection& c, const Config& cfg);

}  // namespace syncline::cdc
