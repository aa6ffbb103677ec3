#include "cdc/bulk.h"

namespace syncline::cdc {

std::set<OrgType> BulkCounts::over(std::size_t threshold,
                                   const std::set<std::uint32_t>& aborted) const {
  std::set<OrgType> out;
  if (threshold == 0) return out;
  std::map<OrgType, std::size_t> total;
  for (const auto& [key, n] : counts_)
    if (!aborted.count(key.first)) total[key.second] += n;
  for (const auto& [pair, n] : total)
    if (n > threshold) out.insert(pair);
  return out;
}

PendingActivity refetch_marker(const PendingActivity& first) {
  PendingActivity m;
  m.lsn = first.lsn;
  m.seq = first.seq;
  m.org_id = first.org_id;
  m.entity_type = first.entity_type;
  m.action = wire::Action::kRefetch;
  return m;
}

void BulkCollapse::apply(std::vector<PendingActivity>& chunk) {
  if (bulk_.empty()) return;
  std::vector<PendingActivity> kept;
  kept.reserve(chunk.size());
  for (auto& a : chunk) {
    OrgType pair{a.org_id, a.entity_type};
    if (!bulk_.count(pair))
      kept.push_back(std::move(a));
    else if (marked_.insert(pair).second)
      kept.push_back(refetch_marker(a));
  }
  chunk = std::move(kept);
}

void collapse_bulk(std::vector<PendingActivity>& activities, std::size_t threshold) {
  if (threshold == 0 || activities.size() <= threshold) return;
  BulkCounts counts;
  for (const auto& a : activities) counts.add(0, a);
  BulkCollapse(counts.over(threshold)).apply(activities);
}

}  // namespace syncline::cdc
