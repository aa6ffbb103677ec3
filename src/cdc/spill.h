// SpilledTransaction: the activities of a source transaction Postgres streams while it is
// still in progress (pgoutput proto 2), kept on disk until its Stream Commit so the worker's
// memory stays bounded however big the transaction is (DESIGN §12, §17). Appended block by
// block as it streams, each activity tagged with its subtransaction; read back after the
// commit in chunks, without the subtransactions that aborted, numbered seq 0, 1, 2, … in change
// order — the numbering a transaction decoded whole at its commit gets (aborted changes are
// never sent then), so a replay in either mode dedupes on (lsn, seq). One file per
// transaction in the temp directory, removed with the object.
#pragma once

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <set>
#include <vector>

#include "cdc/activity_builder.h"
#include "cdc/bulk.h"

namespace syncline::cdc {

// Removes the spill files of worker processes that no longer run (a SIGKILL leaves its files:
// the next worker's start clears them). Returns how many went.
std::size_t remove_orphaned_spill_files(const std::filesystem::path& dir);

class SpilledTransaction {
 public:
  explicit SpilledTransaction(std::uint32_t xid);
  ~SpilledTransaction();
  SpilledTransaction(const SpilledTransaction&) = delete;
  SpilledTransaction& operator=(const SpilledTransaction&) = delete;

  // Throws std::runtime_error when the file cannot be written (the session then restarts and
  // the transaction is streamed again).
  void append(std::uint32_t subxid, const PendingActivity& a);
  void abort_subtransaction(std::uint32_t subxid) { aborted_.insert(subxid); }
  // After the commit: the next at most `max` activities (lsn = the commit's), none when done.
  std::vector<PendingActivity> next(std::size_t max, Lsn lsn);

  std::size_t appended() const { return appended_; }
  // Its (org, type) pairs over the bulk threshold, without the aborted subtransactions.
  std::set<OrgType> bulk(std::size_t threshold) const { return counts_.over(threshold, aborted_); }
  const std::filesystem::path& path() const { return path_; }
  bool truncates = false;  // it truncated a synced table (a new epoch at its commit)

 private:
  std::filesystem::path path_;
  std::ofstream out_;
  std::ifstream in_;
  std::set<std::uint32_t> aborted_;
  BulkCounts counts_;
  std::size_t appended_ = 0;
  int seq_ = 0;
};

}  // namespace syncline::cdc
