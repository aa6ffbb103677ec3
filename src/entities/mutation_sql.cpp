#include "entities/mutation_sql.h"

#include "entities/store.h"

namespace syncline::entities {

namespace {
constexpr const char* kClaim =
    "WITH claim AS (INSERT INTO applied_transactions(transaction_id, user_id, organization_id,"
    " entity_type, entity_id, action, changed_field, source_id)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (user_id, transaction_id) DO NOTHING "
    "RETURNING 1)";

std::string finish(const std::string& write) {
  return std::string(kClaim) + ", w AS (" + write +
         ") SELECT EXISTS (SELECT 1 FROM claim), w.*,"
         " CASE WHEN EXISTS (SELECT 1 FROM claim) AND NOT EXISTS (SELECT 1 FROM w)"
         " THEN syncline_abort('" +
         kNotApplied + "') END FROM (SELECT 1) AS one LEFT JOIN w ON true";
}

// SEC-047: a reference names an entity of the same org (the claim's org, $3), or is null.
std::string reference_check(const Field& f, const std::string& param) {
  if (f.ref.empty()) return "";
  const auto* to = find_by_name(f.ref);
  return " AND (" + param + "::text IS NULL OR EXISTS (SELECT 1 FROM " + to->table +
         " r WHERE r.organization_id = $3 AND r.id = " + param + "::text))";
}

// The row's owner check: `may_all` is true when the actor may act on every row.
std::string own_check(int may_all) {
  return " AND ($" + std::to_string(may_all) + "::boolean OR t.created_by = $2)";
}
}  // namespace

std::string create_statement(const EntityType& type) {
  std::string cols = "id, organization_id, created_by, modified_by, tx, field_tx";
  std::string vals = "$5, $3, $2, $2, $9::jsonb, $10::jsonb";
  std::string refs;
  int n = kClaimParams + 2;
  for (const auto& f : type.fields) {
    if (!f.writable) continue;
    std::string param = "$" + std::to_string(++n);
    std::string p = param + "::" + f.sql_type();
    cols += ", " + f.column;
    vals += ", " + (f.sql_default.empty() ? p : "COALESCE(" + p + ", " + f.sql_default + ")");
    refs += reference_check(f, param);
  }
  return finish("INSERT INTO " + type.table + " AS t (" + cols + ") SELECT " + vals +
                " WHERE EXISTS (SELECT 1 FROM claim)" + refs +
                " ON CONFLICT (organization_id, id) DO NOTHING RETURNING " +
                representation_columns(type));
}

std::string update_statement(const EntityType& type, const Field& field) {
  return finish(
      "UPDATE " + type.table + " AS t SET " + field.column + " = $12::" + field.sql_type() +
      ", field_tx = t.field_tx || jsonb_build_object($7::text, $1::text),"
      " tx = $9::jsonb, modified_at = now(), modified_by = $2"
      " WHERE t.id = $5 AND t.organization_id = $3 AND EXISTS (SELECT 1 FROM claim)"
      " AND (t.field_tx->>$7 IS NULL OR t.field_tx->>$7 = $10)" +
      own_check(11) + reference_check(field, "$12") + " RETURNING " + representation_columns(type));
}

std::string delete_statement(const EntityType& type) {
  return finish("DELETE FROM " + type.table +
                " AS t WHERE t.id = $5 AND t.organization_id = $3"
                " AND EXISTS (SELECT 1 FROM claim)"
                " AND ($9::text IS NULL OR t.tx->>'transactionId' IS NULL"
                " OR t.tx->>'transactionId' = $9)" +
                own_check(10) + " RETURNING t.id");
}

}  // namespace syncline::entities
