// SQL of the one-statement write path. Each mutation is a single autocommit statement:
//   WITH claim AS (INSERT INTO applied_transactions … ON CONFLICT DO NOTHING RETURNING 1),
//        w     AS (<conditional INSERT | UPDATE | DELETE> … WHERE EXISTS (SELECT 1 FROM claim)
//                  AND <field check> AND <own check> AND <reference check> RETURNING …)
//   SELECT claimed, w.*, CASE WHEN claimed AND no row written THEN syncline_abort(…) END
// so the claim, the conflict check on the row's latest version (READ COMMITTED re-checks the
// WHERE clause after waiting on a row lock) and the write commit or roll back together, in
// one round trip. Texts depend only on the type (and field), so they are prepared once.
//
// Parameters of the claim, shared by all statements:
//   $1 transactionId  $2 user id  $3 org id  $4 entity type  $5 entity id  $6 action
//   $7 changedField   $8 sourceId  $9 owner id (Actor::owner_id(): what the owner and `*_by`
//   columns get and `own` compares; a JWT user's subject as issued, ADOPT-004)
// then create: $10 tx json, $11 field_tx json, $12.. one per writable field (registry order);
//      update: $10 tx json, $11 expectedTransactionId, $12 may_all (bool), $13 the new value;
//      delete: $10 expectedTransactionId, $11 may_all (bool).
// (Every parameter is referenced: Postgres cannot type an unused one. $9 is typed by the
// `actor` CTE, which a type without owner or `*_by` columns leaves otherwise unread.)
#pragma once

#include <string>

#include "entities/registry.h"

namespace syncline::entities {

// The SQLSTATE of syncline_not_applied() (migration 006): the claim succeeded, the write did not.
inline constexpr const char* kNotAppliedState = "SL001";
inline constexpr int kClaimParams = 9;

std::string create_statement(const EntityType& type);
std::string update_statement(const EntityType& type, const Field& field);
std::string delete_statement(const EntityType& type);

}  // namespace syncline::entities
