// The synced write path (DESIGN §4): one mutation = one atomic Postgres statement that
// claims the transactionId in applied_transactions (idempotency, API-030..032) and writes the
// row only if the per-field transaction on its latest version matches (CONFLICT-001..005,
// API-020..024), setting the value, field_tx, tx and modified_*. When the write does not
// apply, the statement aborts, so the applied_transactions row rolls back with it and the
// same txId may be retried after a fix; why it did not apply is then decided with the row locked
// (one transaction: the diagnosis, a text merge, the write again), never by retrying in a loop.
// Runs in autocommit (each attempt is one statement, see mutation_sql.h): call it outside a
// transaction.
#pragma once

#include <boost/json/object.hpp>
#include <string>

#include "common/error.h"
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
  bool created = false;      // a new entity (else updated, deleted or a replay answered)
  boost::json::object body;  // {data, fieldTx, tx}
};

// Expected outcomes are values: kInvalid (bad field values), kForbidden, kNotFound, kConflict
// (FIELD_CONFLICT / ENTITY_EXISTS), kUnprocessable (TRANSACTION_ID_REUSED, INVALID_REFERENCE),
// kUnavailable (BUSY). Throws DbError only for real database failures.
Result<Outcome> apply_mutation(db::Connection& c, const Target& target, const sync::Mutation& m);

}  // namespace syncline::entities
