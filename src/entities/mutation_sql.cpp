#include "entities/mutation_sql.h"

#include "db/sql.h"
#include "entities/store.h"

namespace syncline::entities {

using db::ident;

namespace {
constexpr const char* kClaim =
    "WITH actor AS (SELECT $9::text AS owner_id),"
    " claim AS (INSERT INTO applied_transactions(transaction_id, user_id, organization_id,"
    " entity_type, entity_id, action, changed_field, source_id)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (user_id, transaction_id) DO NOTHING "
    "RETURNING 1)";

std::string finish(const std::string& write) {
  return std::string(kClaim) + ", w AS (" + write +
         ") SELECT EXISTS (SELECT 1 FROM claim), w.*,"
         " CASE WHEN EXISTS (SELECT 1 FROM claim) AND NOT EXISTS (SELECT 1 FROM w)"
         " THEN syncline_not_applied() END FROM (SELECT 1) AS one LEFT JOIN w ON true";
}

// SEC-047: a reference names an entity of the same org (the claim's org, $3), or is null.
std::string reference_check(const Field& f, const std::string& param) {
  if (f.ref.empty()) return "";
  const auto* to = find_by_name(f.ref);
  return " AND (" + param + "::text IS NULL OR EXISTS (SELECT 1 FROM " + to->sql_table +
         " r WHERE r." + ident(to->org_column) + " = $3 AND r." + ident(to->key_column) + " = " +
         param + "::text))";
}

// The row's owner check: `may_all` is true when the actor may act on every row. A type without
// an owner has no `own` grants (the schema refuses them), so may_all is then always true.
std::string own_check(const EntityType& type, int may_all) {
  auto p = "$" + std::to_string(may_all) + "::boolean";
  if (type.owner_column.empty()) return " AND " + p;
  return " AND (" + p + " OR t." + ident(type.owner_column) + " = $9)";
}

// The row of the mutation: key $5 in org $3.
std::string this_row(const EntityType& type) {
  return " WHERE t." + ident(type.key_column) + " = $5 AND t." + ident(type.org_column) + " = $3";
}

// Audit columns set on every write (modified_*), and on create (created_*) too.
std::string audit_assignments(const EntityType& type) {
  std::string out;
  if (const auto* f = type.audit(Audit::kModifiedAt)) out += ", " + ident(f->column) + " = now()";
  if (const auto* f = type.audit(Audit::kModifiedBy)) out += ", " + ident(f->column) + " = $9";
  return out;
}
}  // namespace

std::string create_statement(const EntityType& type) {
  std::string cols = ident(type.key_column) + ", " + ident(type.org_column) + ", tx, field_tx";
  std::string vals = "$5, $3, $10::jsonb, $11::jsonb";
  // The owner and the audit fields: the actor and now (each column once).
  auto add = [&](const std::string& column, const std::string& value) {
    if (column.empty() || (", " + cols + ",").find(", " + ident(column) + ",") != std::string::npos)
      return;
    cols += ", " + ident(column);
    vals += ", " + value;
  };
  add(type.owner_column, "$9");
  for (auto [role, value] : {std::pair{Audit::kCreatedBy, "$9"},
                             {Audit::kModifiedBy, "$9"},
                             {Audit::kCreatedAt, "now()"},
                             {Audit::kModifiedAt, "now()"}})
    if (const auto* f = type.audit(role)) add(f->column, value);
  std::string refs;
  int n = kClaimParams + 2;
  for (const auto& f : type.fields) {
    if (!f.writable()) continue;
    std::string param = "$" + std::to_string(++n);
    std::string p = param + "::" + f.param_type();
    cols += ", " + ident(f.column);
    vals += ", " + (f.sql_default.empty() ? p : "COALESCE(" + p + ", " + f.sql_default + ")");
    refs += reference_check(f, param);
  }
  return finish("INSERT INTO " + type.sql_table + " AS t (" + cols + ") SELECT " + vals +
                " WHERE EXISTS (SELECT 1 FROM claim)" + refs + " ON CONFLICT (" +
                ident(type.org_column) + ", " + ident(type.key_column) + ") DO NOTHING RETURNING " +
                representation_columns(type));
}

std::string update_statement(const EntityType& type, const Field& field) {
  return finish("UPDATE " + type.sql_table + " AS t SET " + ident(field.column) +
                " = $13::" + field.param_type() +
                ", field_tx = t.field_tx || jsonb_build_object($7::text, $1::text),"
                " tx = $10::jsonb" +
                audit_assignments(type) + this_row(type) +
                " AND EXISTS (SELECT 1 FROM claim)"
                " AND (t.field_tx->>$7 IS NULL OR t.field_tx->>$7 = $11)" +
                own_check(type, 12) + reference_check(field, "$13") + " RETURNING " +
                representation_columns(type));
}

std::string delete_statement(const EntityType& type) {
  return finish("DELETE FROM " + type.sql_table + " AS t" + this_row(type) +
                " AND EXISTS (SELECT 1 FROM claim)"
                " AND ($10::text IS NULL OR t.tx->>'transactionId' IS NULL"
                " OR t.tx->>'transactionId' = $10)" +
                own_check(type, 11) + " RETURNING t." + ident(type.key_column));
}

}  // namespace syncline::entities
