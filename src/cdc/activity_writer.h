// Writes the activities of one or more consecutive source transactions, and their NOTIFYs,
// in one transaction on the worker's writer connection. Replays (at or below the log's newest
// (lsn, seq)) insert nothing and notify nothing. Partitions for them must exist
// (LogPartitions::ensure).
#pragma once

#include <cstddef>

#include "cdc/activity_builder.h"
#include "db/connection.h"

namespace syncline::cdc {

// Returns the number of activities inserted now (0 for a replay). Throws db::DbError.
std::size_t write_activities(db::Connection& c, const std::vector<PendingActivity>& activities);

}  // namespace syncline::cdc
