// The activity log's partitions (DESIGN §18, DATA-SCALE-004): `activities` is partitioned by
// ranges of `width` ids (activities_p<first id>). The active worker keeps partitions ready
// ahead of its writes and, with a retention, drops whole partitions past it — each org's floor
// (the highest id dropped) committed first — so the log holds its retention plus at most one
// partition, and never waits for dead index pages to be reusable (deleting rows instead left
// B-tree pages Postgres 15 reuses only past the slot's catalog_xmin: the log grew to 1.6–2.1×
// its retention).
// Locks: a partition is made by CREATE … LIKE and ATTACH (a SHARE UPDATE EXCLUSIVE lock on the
// log: readers and the writer go on); a drop needs the log's ACCESS EXCLUSIVE lock for an
// instant and waits at most 100 ms for it (a long snapshot holding the log: the next pass tries
// again; readers queue behind it no longer than that). Throws db::DbError.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "cdc/retention.h"
#include "db/connection.h"

namespace syncline::cdc {

// Ids per partition: an eighth of a counted retention (the log then holds at most 1/8 more; at
// least 64 ids), else 1,000,000 (an age, or everything kept: few partitions however long).
std::int64_t partition_width(const Retention& r);

struct LogPartition {
  std::string name;
  std::int64_t lo = 0, hi = 0;  // ids [lo, hi); lo is INT64_MIN for the first (MINVALUE)
};

// Oldest first.
std::vector<LogPartition> log_partitions(db::Connection& c);

class LogPartitions {
 public:
  explicit LogPartitions(std::int64_t width) : width_(width) {}
  // Partitions exist for the next `rows` ids and one partition beyond (DDL only when needed).
  void ensure(db::Connection& c, std::int64_t rows);
  // Drops the partitions beyond the retention, oldest first, floors first; rows dropped.
  std::int64_t prune(db::Connection& c, const Retention& r);

 private:
  bool beyond(db::Connection& c, const LogPartition& p, const Retention& r, std::int64_t horizon,
              std::int64_t next_id);
  std::int64_t width_;
  std::int64_t covered_ = -1;  // ids below it have a partition (-1: not read yet)
};

}  // namespace syncline::cdc
