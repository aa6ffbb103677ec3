// Bulk writes (DESIGN §18, DATA-SCALE-005): a source transaction that changes more than a
// threshold of rows of one (org, entity type) — an app's INSERT … SELECT or COPY of a million
// rows — is logged as ONE `refetch` activity for that (org, type) instead of one per row:
// clients load that type again from a snapshot (within their shapes) rather than replay every
// row. The marker stands where the pair's first change stood and takes its seq, so commit order
// holds and a replay — streamed or decoded whole — dedupes on (lsn, seq) like any activity.
// Pure; the worker's thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "cdc/activity_builder.h"

namespace syncline::cdc {

using OrgType = std::pair<std::string, std::string>;  // (org id, entity type)

// Changes per (org, type), per subtransaction (a streamed transaction's aborted ones do not
// count).
class BulkCounts {
 public:
  void add(std::uint32_t subxid, const PendingActivity& a) {
    ++counts_[{subxid, {a.org_id, a.entity_type}}];
  }
  // The pairs over `threshold` (0: none), without the aborted subtransactions.
  std::set<OrgType> over(std::size_t threshold, const std::set<std::uint32_t>& aborted = {}) const;

 private:
  std::map<std::pair<std::uint32_t, OrgType>, std::size_t> counts_;
};

// Applies the markers to a transaction's activities, chunk by chunk in change order.
class BulkCollapse {
 public:
  explicit BulkCollapse(std::set<OrgType> bulk) : bulk_(std::move(bulk)) {}
  // A bulk pair's first activity becomes its marker; its others are dropped.
  void apply(std::vector<PendingActivity>& chunk);
  bool empty() const { return bulk_.empty(); }

 private:
  std::set<OrgType> bulk_;
  std::set<OrgType> marked_;
};

// The marker for `first`'s (org, type): action `refetch`, no entity, no transaction.
PendingActivity refetch_marker(const PendingActivity& first);

// One transaction decoded whole: its bulk pairs collapsed in place.
void collapse_bulk(std::vector<PendingActivity>& activities, std::size_t threshold);

}  // namespace syncline::cdc
