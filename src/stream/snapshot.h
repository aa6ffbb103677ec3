// Snapshot (DESIGN §18, DATA-SCALE-002): every current row of an org (or of a shape) the
// reader may read, in one consistent read, as NDJSON lines
//   {"entityType","data","fieldTx","tx"}            one per entity, built by Postgres
//   {"offset":N,"rows":M,"ledgerFrom":L}            last
// `offset` is the highest activity id visible in the same read (never below the sync epoch's
// boundary): a client that applies the stream's events with id > offset, in id order, holds the
// org exactly (replays of rows the snapshot already has are idempotent by fieldTx). `ledgerFrom`
// (Unix ms; 0: never pruned) is how far back the idempotency ledger reaches: a write older than
// it may have been applied and forgotten, so a client must not send it again blindly.
//
// One REPEATABLE READ READ ONLY transaction on a connection of its own (outside the request
// pool: a snapshot may last minutes), a server-side cursor per type, fetched in batches of
// about kBatchBytes (the count adapts to the largest row seen), so memory is one batch whatever
// the org holds. The read policy applies per row: types the actor may not read are left out,
// and a read grant of `own` keeps the actor's rows only.
// Blocking libpq; one thread at a time (a snapshot worker). Errors throw db::DbError.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "db/connection.h"
#include "entities/policy.h"
#include "entities/shape.h"
#include "stream/snapshot_plan.h"

namespace syncline::stream {

class SnapshotReader {
 public:
  static constexpr std::size_t kBatchBytes = 1u << 20;

  // Connects to `database_url`, begins the transaction and reads the offset. `max_seconds`
  // bounds the transaction on the server's side too (idle_in_transaction_session_timeout), so
  // a stuck node cannot pin vacuum beyond it.
  SnapshotReader(const std::string& database_url, SnapshotRequest request, int max_seconds);
  ~SnapshotReader();
  SnapshotReader(const SnapshotReader&) = delete;
  SnapshotReader& operator=(const SnapshotReader&) = delete;

  // Appends the next lines to `out` (about kBatchBytes); false once the last line is in.
  bool next(std::string& out);
  std::int64_t offset() const { return offset_; }
  std::int64_t rows() const { return rows_; }

 private:
  std::unique_ptr<db::Connection> conn_;
  SnapshotRequest request_;
  std::vector<std::string> cursors_;  // one per readable type, read in turn
  std::size_t current_ = 0;
  std::size_t fetch_ = 64;  // rows per FETCH: adapts so a batch stays near kBatchBytes
  std::size_t widest_ = 0;  // the largest row seen, bytes
  std::int64_t offset_ = 0, ledger_from_ = 0, rows_ = 0;
  bool done_ = false;
};

}  // namespace syncline::stream
