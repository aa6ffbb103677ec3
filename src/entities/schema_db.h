// The declared schema against a live database (DESIGN §13, SCHEMA-030..035):
//   check_schema — every mismatch between the file and the database, one sentence each
//     (missing table or column, incompatible column type, key not text, org column nullable,
//     no unique (org, key), missing tx/field_tx, replica identity not FULL, a NOT NULL column
//     without default that a create would leave empty, no index serving list pages: (org, key)
//     and (org, field, key) for each field shapes filter on; a text column shorter than the
//     field's max, an integer column narrower than its min..max, an enum value one of the
//     app's CHECK constraints refuses (enum_constraints.h) or a Postgres enum type lacks) and
//     warnings (a key unique across orgs);
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

struct CheckResult {
  std::vector<std::string> problems;  // writes or reads would fail: `serve` refuses to start
  std::vector<std::string> slow;      // missing list indexes: pages would scan the org
  std::vector<std::string> warnings;  // allowed, worth knowing (a key unique across orgs)
  bool ok() const { return problems.empty() && slow.empty(); }
};
CheckResult check_schema(db::Connection& c, const std::vector<EntityType>& types);
// The types with each field's column_type learned from the catalog (a column of a Postgres enum
// type: statements cast their parameters to it). For serving, after check_schema passed.
std::vector<EntityType> with_column_types(db::Connection& c, std::vector<EntityType> types);

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
