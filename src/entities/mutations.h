// The synced write path (DESIGN §4): one mutation = one Postgres transaction whose first
// statement claims the transactionId in applied_transactions (idempotency, API-030..032),
// then locks the row and checks the per-field transaction (CONFLICT-001..005, API-020..024)
// before writing the value, field_tx, tx and modified_*. Any error rolls everything back,
// the applied_transactions row included, so the same txId may be retried after a fix.
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
  int status;                 // 201 created, 200 updated/deleted/replayed
  boost::json::object body;   // {data, fieldTx, tx}
};

// Throws ApiError: 400 (bad field values), 403, 404, 409 FIELD_CONFLICT / ENTITY_EXISTS,
// 422 TRANSACTION_ID_REUSED. DbError only for real database failures.
Outcome apply_mutation(db::Connection& c, const Target& target, const sync::Mutation& m);

}  // namespace syncline::entities
