// The synced write path (DESIGN §4): one mutation = one atomic Postgres statement that
// claims the transactionId in applied_transactions (idempotency, API-030..032) and writes the
// row only if the per-field transaction on its latest version matches (CONFLICT-001..005,
// API-020..024), setting the value, field_tx, tx and modified_*. When the write does not
// apply, the statement aborts, so the applied_transactions row rolls back with it and the
// same txId may be retried after a fix; the error is then diagnosed from the row.
// Runs in autocommit (each attempt is one statement, see mutation_sql.h): call it outside a
// transaction.
#pragma once

#include <boost/json/object.hpp>
#include <string>

#include "db/connection.h"
#include "entities/policy.h"
#include "entities/registry.h"
#include "sync/mutation.h"

namespace syncline::entities {

struct Target {
  const EntityType& type;
  std::string org_id;
  Actor actor;
  std::string entity_id;  // from the route; empty for create (taken from data.id)
};

struct Outcome {
  int status;                // 201 created, 200 updated/deleted/replayed
  boost::json::object body;  // {data, fieldTx, tx}
};

// Throws ApiError: 400 (bad field values), 403, 404, 409 FIELD_CONFLICT / ENTITY_EXISTS,
// 422 TRANSACTION_ID_REUSED. DbError only for real database failures.
Outcome apply_mutation(db::Connection& c, const Target& target, const sync::Mutation& m);

}  // namespace syncline::entities
