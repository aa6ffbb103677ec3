// Turns one decoded source transaction into activities (CDC-001..004). Pure: no I/O.
//   - Row changes of synced tables (the entity registry) become one activity each, in order.
//   - An activity's tx and user come from the applied_transactions insert for the same
//     entity in the same source transaction (so deletes carry the deleter's txId); without
//     one (a job, admin SQL) tx is the row's new `tx` when it differs from the old row's,
//     else null, and the user is `modified_by`.
//   - changedKeys: for an update the data fields whose value really changed (bookkeeping
//     tx, field_tx, modified_* left out; unchanged-TOAST values count as unchanged); for a
//     create the fields written (non-null); for a delete [].
//   - The entity ({data, fieldTx}, registry fields only: no secret column ever leaves) is
//     built from the new row; deletes carry data null.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/value.hpp>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "cdc/pgoutput.h"
#include "wire/activity.h"

namespace syncline::cdc {

struct RowChange {
  char op = 'I';  // 'I', 'U', 'D'
  std::uint32_t relid = 0;
  Tuple old_tuple;  // U (with REPLICA IDENTITY FULL) and D
  Tuple new_tuple;  // I and U
};

struct SourceTransaction {
  Lsn final_lsn = 0;  // the commit record's LSN: with seq, the activity's source position
  Lsn end_lsn = 0;    // acknowledge after the activities committed
  std::vector<RowChange> changes;
  std::uint32_t xid = 0;  // from Begin: its activities are written once it is visible
};

inline constexpr std::size_t kMaxBeforeValueBytes = 256;

// An activity as the worker builds it: the one record (wire::Activity: no id or createdAt yet)
// with its source position — the source transaction's commit LSN and its index in it — which
// makes a replay insert nothing twice (written in (lsn, seq) order; activity_writer.h).
struct PendingActivity : wire::Activity {
  Lsn lsn = 0;
  int seq = 0;
};

struct BuildResult {
  std::vector<PendingActivity> activities;
  std::vector<std::string> warnings;  // rows that could not be used (logged by the caller)
};

// relations: the Relation messages seen on this stream, by relid.
BuildResult build_activities(const SourceTransaction& txn,
                             const std::map<std::uint32_t, Relation>& relations);

// "2026-11-25 15:42:14.31+00" (DateStyle ISO, TimeZone UTC) -> "2026-11-25T15:42:14.310000Z".
std::string pg_timestamp_to_rfc3339(const std::string& text);

}  // namespace syncline::cdc
