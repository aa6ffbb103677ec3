// SQL of the one-statement write path, each statement built with its parameters side by side
// (db/statement.h). Each mutation is a single autocommit statement:
//   WITH claim AS (INSERT INTO applied_transactions … ON CONFLICT DO NOTHING RETURNING 1),
//        w     AS (<conditional INSERT | UPDATE | DELETE> … WHERE EXISTS (SELECT 1 FROM claim)
//                  AND <field check> AND <own check> AND <reference check> RETURNING …)
//   SELECT claimed, w.*, CASE WHEN claimed AND no row written THEN syncline_not_applied() END
// so the claim, the conflict check on the row's latest version (READ COMMITTED re-checks the
// WHERE clause after waiting on a row lock) and the write commit or roll back together, in
// one round trip. The text depends only on the type (and field), so it is prepared once.
// A `merge: text` field's value is kept in field_history with each write (DESIGN §21): the 64
// newest versions whole, older values 30 days and their hashes 365, at most 1,024 versions; a
// delete drops the entity's history. SEC-046: keys are (organization_id, id), so a create tells
// nothing of other orgs; SEC-047: a reference is checked in the same statement (else 422
// INVALID_REFERENCE after the diagnosis).
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "db/statement.h"
#include "entities/registry.h"

namespace syncline::entities {

// The row the statement claims in applied_transactions (idempotency, API-030..032).
struct Claim {
  std::string transaction_id;
  std::string user_id;
  std::string org_id;
  std::string entity_type;
  std::string entity_id;
  std::string action;
  std::optional<std::string> changed_field;
  std::string source_id;
  std::string owner_id;  // Actor::owner_id(): the owner and `*_by` columns, what `own` compares
};

// The values of a create, by field (fields not given are absent).
using FieldValues = std::vector<std::pair<const Field*, db::Param>>;

db::Statement create_statement(const EntityType& type, const Claim& claim,
                               const std::string& tx_json, const std::string& field_tx_json,
                               const FieldValues& values);
// `may_all`: the actor may act on every row (else only on its own, where the type has owners).
db::Statement update_statement(const EntityType& type, const Field& field, const Claim& claim,
                               const std::string& tx_json, const db::Param& expected, bool may_all,
                               const db::Param& value);
db::Statement delete_statement(const EntityType& type, const Claim& claim,
                               const db::Param& expected, bool may_all);

}  // namespace syncline::entities
