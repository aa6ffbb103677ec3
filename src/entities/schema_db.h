// The declared schema against a live database (DESIGN §13, SCHEMA-030..035):
//   check_schema — every mismatch between the file and the database, one sentence each
//     (missing table or column, incompatible column type, key not text, org column nullable,
//     no unique (org, key), missing tx/field_tx, replica identity not FULL, a NOT NULL column
//     without default that a create would leave empty, no index serving list pages: (org, key)
//     and (org, field, key) for each field shapes filter on);
//   apply_schema — makes the file true in one transaction: creates the schemas and tables that
//     do not exist; on existing tables only adds what Syncline needs (missing field columns,
//     `tx jsonb`, `field_tx jsonb NOT NULL DEFAULT '{}'`, a unique index on (org, key),
//     REPLICA IDENTITY FULL, the list indexes — in the transaction, or CONCURRENTLY after it). It
//     never drops or rewrites an app column: what it cannot make true (an incompatible type) is
//     refused and nothing is changed. Existing rows become synced entities with an empty fieldTx.
// Blocking libpq; for the `syncline schema` commands. Throws db::DbError on database errors.
#pragma once

#include <string>
#include <vector>

#include "db/connection.h"
#include "entities/registry.h"

namespace syncline::entities {

std::vector<std::string> check_schema(db::Connection& c, const std::vector<EntityType>& types);

struct ApplyResult {
  std::vector<std::string> changes;   // what was done, one sentence each
  std::vector<std::string> problems;  // what could not be made true (then nothing was done)
};
struct ApplyOptions {
  // Build the missing indexes (DATA-SCALE-001: (org, key) and (org, field, key) for shapes)
  // with CREATE INDEX CONCURRENTLY after the transaction, so writes to a big table go on.
  bool concurrently = false;
};
ApplyResult apply_schema(db::Connection& c, const std::vector<EntityType>& types,
                         const ApplyOptions& options = {});

}  // namespace syncline::entities
