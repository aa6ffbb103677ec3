#include "entities/mutation_sql.h"

#include "db/sql.h"
#include "entities/store.h"

namespace syncline::entities {

using db::ident;

namespace {

// The claim's placeholders. Every statement binds the claim first, in this order, so each of
// its values is bound once and referenced by name wherever the statement needs it.
struct Bound {
  std::string tx, user, org, type, id, action, field, source, owner;
};

Bound bind_claim(db::Statement& s, const Claim& c) {
  Bound b;
  b.tx = s.bind(c.transaction_id);
  b.user = s.bind(c.user_id);
  b.org = s.bind(c.org_id);
  b.type = s.bind(c.entity_type);
  b.id = s.bind(c.entity_id);
  b.action = s.bind(c.action);
  b.field = s.bind(c.changed_field);
  b.source = s.bind(c.source_id);
  b.owner = s.bind(c.owner_id);
  return b;
}

// Every parameter must be referenced (Postgres cannot type an unused one): the owner is typed
// by the `actor` CTE, which a type without owner or `*_by` columns leaves otherwise unread.
std::string claim_sql(const Bound& b) {
  return "WITH actor AS (SELECT " + b.owner +
         "::text AS owner_id),"
         " claim AS (INSERT INTO applied_transactions(transaction_id, user_id, organization_id,"
         " entity_type, entity_id, action, changed_field, source_id) VALUES (" +
         b.tx + ", " + b.user + ", " + b.org + ", " + b.type + ", " + b.id + ", " + b.action +
         ", " + b.field + ", " + b.source +
         ") ON CONFLICT (user_id, transaction_id) DO NOTHING RETURNING 1)";
}

// `also`: more data-modifying CTEs over `w` (they run with the statement, seen or not).
std::string finish(const Bound& b, const std::string& write, const std::string& also = "") {
  return claim_sql(b) + ", w AS (" + write + ")" + also +
         " SELECT EXISTS (SELECT 1 FROM claim), w.*,"
         " CASE WHEN EXISTS (SELECT 1 FROM claim) AND NOT EXISTS (SELECT 1 FROM w)"
         " THEN syncline_not_applied() END FROM (SELECT 1) AS one LEFT JOIN w ON true";
}

// SEC-047: a reference names an entity of the same org (the claim's org), or is null.
std::string reference_check(const Field& f, const std::string& value, const Bound& b) {
  if (f.ref.empty()) return "";
  const auto* to = find_by_name(f.ref);
  return " AND (" + value + "::text IS NULL OR EXISTS (SELECT 1 FROM " + to->sql_table +
         " r WHERE r." + ident(to->org_column) + " = " + b.org + " AND r." + ident(to->key_column) +
         " = " + value + "::text))";
}

// The row's owner check: `may_all` is true when the actor may act on every row. A type without
// an owner has no `own` grants (the schema refuses them), so may_all is then always true.
std::string own_check(const EntityType& type, const std::string& may_all, const Bound& b) {
  const auto p = may_all + "::boolean";
  if (type.owner_column.empty()) return " AND " + p;
  return " AND (" + p + " OR t." + ident(type.owner_column) + " = " + b.owner + ")";
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

std::string history_row(const std::string& field_sql, const std::string& value, const Bound& b) {
  return "SELECT " + b.org + ", " + b.type + ", " + b.id + ", " + field_sql + ", " + b.tx + ", " +
         value + "::text, sha256(convert_to(" + value + "::text, 'UTF8')) FROM w";
}

// DESIGN §21 history bound, per field: the 64 newest versions always stay whole (the new one is
// not seen by the statement: 63 older); older ones keep their value for 30 days and their hash
// for 365 (a PATCH may bring the value back, tx.baseValue); never more than 1,024 versions.
std::string prune_history(const Bound& b) {
  const std::string of_field = " organization_id = " + b.org + " AND entity_type = " + b.type +
                               " AND entity_id = " + b.id + " AND field = " + b.field;
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

// A field's JSON name as an SQL literal (names are [A-Za-z0-9_], schema_file.cpp).
std::string literal(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}

// A deleted entity's text history goes with it (an id created again starts anew).
std::string forget_history(const EntityType& type, const Bound& b) {
  for (const auto& f : type.fields)
    if (f.merge_text)
      return ", hd AS (DELETE FROM field_history WHERE organization_id = " + b.org +
             " AND entity_type = " + b.type + " AND entity_id = " + b.id +
             " AND EXISTS (SELECT 1 FROM w))";
  return "";
}

// The row of the mutation: the claim's entity id in the claim's org.
std::string this_row(const EntityType& type, const Bound& b) {
  return " WHERE t." + ident(type.key_column) + " = " + b.id + " AND t." + ident(type.org_column) +
         " = " + b.org;
}

// Audit columns set on every write (modified_*), and on create (created_*) too.
std::string audit_assignments(const EntityType& type, const Bound& b) {
  std::string out;
  if (const auto* f = type.audit(Audit::kModifiedAt)) out += ", " + ident(f->column) + " = now()";
  if (const auto* f = type.audit(Audit::kModifiedBy))
    out += ", " + ident(f->column) + " = " + b.owner;
  return out;
}

db::Param value_of(const FieldValues& values, const Field& f) {
  for (const auto& [given, value] : values)
    if (given == &f) return value;
  return std::nullopt;
}
}  // namespace

db::Statement create_statement(const EntityType& type, const Claim& claim,
                               const std::string& tx_json, const std::string& field_tx_json,
                               const FieldValues& values) {
  db::Statement s;
  const auto b = bind_claim(s, claim);
  std::string cols = ident(type.key_column) + ", " + ident(type.org_column) + ", tx, field_tx";
  // Bound one by one: the order of two bind() calls in one expression is unspecified.
  const auto tx = s.bind(tx_json);
  const auto field_tx = s.bind(field_tx_json);
  std::string vals = b.id + ", " + b.org + ", " + tx + "::jsonb, " + field_tx + "::jsonb";
  // The owner and the audit fields: the actor and now (each column once).
  auto add = [&](const std::string& column, const std::string& value) {
    if (column.empty() || (", " + cols + ",").find(", " + ident(column) + ",") != std::string::npos)
      return;
    cols += ", " + ident(column);
    vals += ", " + value;
  };
  add(type.owner_column, b.owner);
  for (auto [role, value] : {std::pair{Audit::kCreatedBy, b.owner},
                             {Audit::kModifiedBy, b.owner},
                             {Audit::kCreatedAt, std::string("now()")},
                             {Audit::kModifiedAt, std::string("now()")}})
    if (const auto* f = type.audit(role)) add(f->column, value);
  std::string refs;
  std::vector<std::string> kept;
  for (const auto& f : type.fields) {
    if (!f.writable()) continue;
    const auto value = s.bind(value_of(values, f));
    const auto typed = value + "::" + f.param_type();
    cols += ", " + ident(f.column);
    vals +=
        ", " + (f.sql_default.empty() ? typed : "COALESCE(" + typed + ", " + f.sql_default + ")");
    refs += reference_check(f, value, b);
    if (f.merge_text) kept.push_back(history_row(literal(f.json), value, b));
  }
  s.sql = finish(b,
                 "INSERT INTO " + type.sql_table + " AS t (" + cols + ") SELECT " + vals +
                     " WHERE EXISTS (SELECT 1 FROM claim)" + refs + " ON CONFLICT (" +
                     ident(type.org_column) + ", " + ident(type.key_column) +
                     ") DO NOTHING RETURNING " + representation_columns(type),
                 history(kept));
  return s;
}

db::Statement update_statement(const EntityType& type, const Field& field, const Claim& claim,
                               const std::string& tx_json, const db::Param& expected, bool may_all,
                               const db::Param& value) {
  db::Statement s;
  const auto b = bind_claim(s, claim);
  const auto v = s.bind(value);
  const auto tx = s.bind(tx_json);
  const auto exp = s.bind(expected);
  const auto all = s.bind(may_all ? "true" : "false");
  s.sql = finish(
      b,
      "UPDATE " + type.sql_table + " AS t SET " + ident(field.column) + " = " + v +
          "::" + field.param_type() + ", field_tx = t.field_tx || jsonb_build_object(" + b.field +
          "::text, " + b.tx + "::text), tx = " + tx + "::jsonb" + audit_assignments(type, b) +
          this_row(type, b) + " AND EXISTS (SELECT 1 FROM claim) AND (t.field_tx->>" + b.field +
          " IS NULL OR t.field_tx->>" + b.field + " = " + exp + ")" + own_check(type, all, b) +
          reference_check(field, v, b) + " RETURNING " + representation_columns(type),
      field.merge_text ? history({history_row(b.field, v, b)}) + prune_history(b) : "");
  return s;
}

db::Statement delete_statement(const EntityType& type, const Claim& claim,
                               const db::Param& expected, bool may_all) {
  db::Statement s;
  const auto b = bind_claim(s, claim);
  const auto exp = s.bind(expected);
  const auto all = s.bind(may_all ? "true" : "false");
  s.sql = finish(b,
                 "DELETE FROM " + type.sql_table + " AS t" + this_row(type, b) +
                     " AND EXISTS (SELECT 1 FROM claim) AND (" + exp +
                     "::text IS NULL OR t.tx->>'transactionId' IS NULL"
                     " OR t.tx->>'transactionId' = " +
                     exp + ")" + own_check(type, all, b) + " RETURNING t." + ident(type.key_column),
                 forget_history(type, b));
  return s;
}

}  // namespace syncline::entities
