#include "entities/mutation_sql.h"

#include <vector>

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

// `also`: more data-modifying CTEs over `w` (they run with the statement, seen or not).
std::string finish(const std::string& write, const std::string& also = "") {
  return std::string(kClaim) + ", w AS (" + write + ")" + also +
         " SELECT EXISTS (SELECT 1 FROM claim), w.*,"
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

// DESIGN §21: the value a `merge: text` field gets, by the transaction that wrote it (a later
// stale PATCH merges against it). `rows`: SELECT lists of (field, value) over w.
std::string history(const std::vector<std::string>& rows) {
  if (rows.empty()) return "";
  std::string selects;
  for (const auto& r : rows) selects += (selects.empty() ? "" : " UNION ALL ") + r;
  return ", h AS (INSERT INTO field_history(organization_id, entity_type, entity_id, field,"
         " transaction_id, value, value_sha256) " +
         selects + " ON CONFLICT DO NOTHING)";
}

// DESIGN §21 history bound, per field: the 64 newest versions always stay whole (the new one is
// not seen by the statement: 63 older); older ones keep their value for 30 days and their hash
// for 365 (a PATCH may bring the value back, tx.baseValue); never more than 1,024 versions.
std::string prune_history(const std::string& field_sql) {
  const std::string of_field =
      " organization_id = $3 AND entity_type = $4 AND entity_id = $5 AND field = " + field_sql;
  const std::string matches =
      " WHERE d." + of_field.substr(1) +
      " AND d.transaction_id = x.transaction_id AND EXISTS (SELECT 1 FROM w)";
  return ", hn AS (SELECT transaction_id, created_at, value IS NOT NULL AS whole, row_number()"
         " OVER (ORDER BY created_at DESC, transaction_id DESC) AS n FROM field_history WHERE" +
         of_field +
         "), hp AS (DELETE FROM field_history d USING (SELECT transaction_id FROM hn WHERE n >= 64"
         " AND (created_at < now() - interval '365 days' OR n >= 1024)) x" +
         matches +
         "), hv AS (UPDATE field_history d SET value = NULL FROM (SELECT transaction_id FROM hn"
         " WHERE n >= 64 AND n < 1024 AND whole AND created_at < now() - interval '30 days' AND"
         " created_at >= now() - interval '365 days') x" +
         matches + ")";
}

std::string history_row(const std::string& field_sql, const std::string& value_param) {
  return "SELECT $3, $4, $5, " + field_sql + ", $1, " + value_param + "::text, sha256(convert_to(" +
         value_param + "::text, 'UTF8')) FROM w";
}

// A field's JSON name as an SQL literal (names are [A-Za-z0-9_], schema_file.cpp).
std::string literal(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}

// A deleted entity's text history goes with it (an id created again starts anew).
std::string forget_history(const EntityType& type) {
  for (const auto& f : type.fields)
    if (f.merge_text)
      return ", hd AS (DELETE FROM field_history WHERE organization_id = $3 AND entity_type = $4"
             " AND entity_id = $5 AND EXISTS (SELECT 1 FROM w))";
  return "";
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
  std::vector<std::string> kept;
  int n = kClaimParams + 2;
  for (const auto& f : type.fields) {
    if (!f.writable()) continue;
    std::string param = "$" + std::to_string(++n);
    std::string p = param + "::" + f.param_type();
    cols += ", " + ident(f.column);
    vals += ", " + (f.sql_default.empty() ? p : "COALESCE(" + p + ", " + f.sql_default + ")");
    refs += reference_check(f, param);
    if (f.merge_text) kept.push_back(history_row(literal(f.json), param));
  }
  return finish("INSERT INTO " + type.sql_table + " AS t (" + cols + ") SELECT " + vals +
                    " WHERE EXISTS (SELECT 1 FROM claim)" + refs + " ON CONFLICT (" +
                    ident(type.org_column) + ", " + ident(type.key_column) +
                    ") DO NOTHING RETURNING " + representation_columns(type),
                history(kept));
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
                    representation_columns(type),
                field.merge_text ? history({history_row("$7", "$13")}) + prune_history("$7") : "");
}

std::string delete_statement(const EntityType& type) {
  return finish("DELETE FROM " + type.sql_table + " AS t" + this_row(type) +
                    " AND EXISTS (SELECT 1 FROM claim)"
                    " AND ($10::text IS NULL OR t.tx->>'transactionId' IS NULL"
                    " OR t.tx->>'transactionId' = $10)" +
                    own_check(type, 11) + " RETURNING t." + ident(type.key_column),
                forget_history(type));
}

}  // namespace syncline::entities
