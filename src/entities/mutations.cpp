#include "entities/mutations.h"

#include <boost/json/serialize.hpp>

#include "common/assert.h"
#include "common/json_text.h"
#include "common/metrics.h"
#include "common/strings.h"
#include "db/answer.h"
#include "db/sql.h"
#include "entities/mutation_sql.h"
#include "entities/stale_merge.h"
#include "entities/store.h"
#include "entities/values.h"

namespace syncline::entities {

namespace json = boost::json;
using sync::Action;

namespace {

struct Write {
  std::string entity_id;
  std::vector<std::pair<const Field*, db::Param>> values;
};

// Validates data against the registry before any SQL runs.
Result<Write> validate(const Target& t, const sync::Mutation& m) {
  Write w;
  if (m.action == Action::kCreate) {
    auto id = m.data.if_contains("id");
    if (!id || !id->is_string() || !is_valid_id(id->as_string()))
      return bad_request("INVALID_FIELD", "'id' must be 1..64 of [A-Za-z0-9_-]");
    w.entity_id = std::string(id->as_string());
  } else {
    if (!is_valid_id(t.entity_id)) return not_found(t.type.name + " not found");
    w.entity_id = t.entity_id;
  }
  for (const auto& kv : m.data) {
    if (m.action == Action::kCreate && kv.key() == "id") continue;
    if (m.action == Action::kCreate && kv.key() == "organizationId") {
      if (!kv.value().is_string() || kv.value().as_string() != t.org_id)
        return bad_request("INVALID_FIELD", "'organizationId' must be this organization's id");
      continue;
    }
    const Field* f = t.type.field(kv.key());
    if (!f)
      return bad_request("UNKNOWN_FIELD",
                         "'" + std::string(kv.key()) + "' is not a field of " + t.type.name);
    auto value = to_param(*f, kv.value());
    if (!value) return value.error();
    w.values.emplace_back(f, std::move(*value));
  }
  if (m.action == Action::kCreate) {
    for (const auto& f : t.type.fields)
      if (f.required && !m.data.contains(f.json))
        return bad_request("MISSING_FIELD", "'" + f.json + "' is required");
  }
  return w;
}

std::string tx_json(const sync::TxMeta& tx) {
  json::object o{{"transactionId", tx.transaction_id},
                 {"sourceId", tx.source_id},
                 {"changedField", tx.changed_field ? json::value(*tx.changed_field) : nullptr}};
  return json_text(o);
}

json::object response_body(json::object representation, const std::string& tx_id) {
  representation["tx"] = json::object{{"transactionId", tx_id}};
  return representation;
}

bool is_not_applied(const db::DbError& e) {
  return e.sqlstate() == kNotAppliedState;
}

// The txId was claimed before (by this or a racing request, whose row lock the claim waited
// on). Same mutation: answer as done (API-030..032). Anything else: 422.
Result<Outcome> replay_or_reject(db::Connection& c, const Target& t, const std::string& entity_id,
                                 const sync::Mutation& m) {
  auto prev = c.exec(
      "SELECT organization_id = $3 AND entity_type = $4 AND entity_id = $5"
      " AND action = $6 AND changed_field IS NOT DISTINCT FROM $7"
      " FROM applied_transactions WHERE user_id = $2 AND transaction_id = $1",
      {m.tx.transaction_id, t.actor.user_id, t.org_id, t.type.name, entity_id,
       sync::action_name(m.action), m.tx.changed_field});
  if (prev.empty() || !prev.get_bool(0, 0))
    return unprocessable("TRANSACTION_ID_REUSED",
                         "this transactionId was already used for another mutation");
  auto cur = fetch_entity(c, t.type, t.org_id, entity_id);
  if (cur && !is_permission_allowed(t.actor, Op::kRead, t.type, cur->created_by))
    return forbidden();
  json::object rep = cur ? std::move(cur->representation)
                         : json::object{{"data", nullptr}, {"fieldTx", json::object{}}};
  return Outcome{false, response_body(std::move(rep), m.tx.transaction_id)};
}

Error field_conflict(const Stored& cur, const std::optional<std::string>& field,
                     const sync::TxMeta& tx, const json::value& server_tx) {
  count(metrics().field_conflicts);
  Error e = conflict("FIELD_CONFLICT", field ? "'" + *field + "' was changed by another transaction"
                                             : "the entity was changed by another transaction");
  const auto& data = cur.representation.at("data").as_object();
  e.details["field"] = field ? json::value(*field) : nullptr;
  e.details["expectedTransactionId"] =
      tx.expected_transaction_id ? json::value(*tx.expected_transaction_id) : nullptr;
  e.details["serverTransactionId"] = server_tx;
  const json::value* sv = field ? data.if_contains(*field) : nullptr;
  e.details["serverValue"] = sv ? *sv : json::value(nullptr);
  e.body_extra = cur.representation;
  return e;
}

// SEC-047: a reference written must name an entity of the same org.
Result<void> check_references(db::Connection& c, const Target& t, const Write& w) {
  for (const auto& [f, value] : w.values) {
    if (f->ref.empty() || !value) continue;
    const auto* to = find_by_name(f->ref);
    if (c.exec("SELECT 1 FROM " + to->sql_table + " WHERE " + db::ident(to->org_column) +
                   " = $1 AND " + db::ident(to->key_column) + " = $2",
               {t.org_id, *value})
            .empty())
      return unprocessable("INVALID_REFERENCE",
                           "'" + f->json + "' names no " + f->ref + " of this organization");
  }
  return {};
}

// The statement claimed the txId but wrote nothing and rolled back. Finds out why from the
// row's current state and returns the matching error; succeeds when no reason remains (the
// row changed in between), and the caller runs the statement again.
Result<void> diagnose(db::Connection& c, const Target& t, const Write& w, const sync::Mutation& m) {
  if (m.action == Action::kCreate) {
    if (!c.exec("SELECT 1 FROM " + t.type.sql_table + " WHERE " + db::ident(t.type.org_column) +
                    " = $1 AND " + db::ident(t.type.key_column) + " = $2",
                {t.org_id, w.entity_id})
             .empty())
      return conflict("ENTITY_EXISTS", "an entity with this id already exists");
    return check_references(c, t, w);
  }
  auto cur = fetch_entity(c, t.type, t.org_id, w.entity_id);
  if (!cur) return not_found(t.type.name + " not found");
  Op op = m.action == Action::kUpdate ? Op::kUpdate : Op::kDelete;
  if (!is_permission_allowed(t.actor, op, t.type, cur->created_by))
    return forbidden(std::string("not allowed to ") + sync::action_name(m.action) + " this " +
                     t.type.name);
  if (m.action == Action::kUpdate) {
    const auto& field = w.values.front().first->json;
    const auto* last = cur->representation.at("fieldTx").as_object().if_contains(field);
    if (last && last->is_string() &&
        (!m.tx.expected_transaction_id || *m.tx.expected_transaction_id != last->as_string()))
      return field_conflict(*cur, field, m.tx, *last);
    return check_references(c, t, w);
  } else if (const auto& row_tx = cur->representation.at("tx"); row_tx.is_object()) {
    const auto& last = row_tx.as_object().at("transactionId");
    if (m.tx.expected_transaction_id && last.is_string() &&
        last.as_string() != *m.tx.expected_transaction_id)
      return field_conflict(*cur, std::nullopt, m.tx, last);
  }
  return {};
}

// The field a violated constraint is on, when the constraint is on this type's table and on
// one column the type declares: a not-null's column, or the only column of the constraint (or
// of a unique index that is not a constraint), read from the catalog.
std::optional<std::string> constraint_field(db::Connection& c, const EntityType& type,
                                            const db::DbError& e) {
  const auto& w = e.where();
  if (w.schema != type.schema || w.table != type.table_name) return std::nullopt;
  std::string column = w.column;
  if (column.empty() && !w.constraint.empty()) {
    auto r = c.exec(
        "WITH rel AS (SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        "             WHERE n.nspname = $2 AND c.relname = $3),"
        " cols AS (SELECT k.conkey AS cols FROM pg_constraint k, rel"
        "          WHERE k.conrelid = rel.oid AND k.conname = $1"
        "          UNION ALL SELECT x.indkey::int2[] FROM pg_index x JOIN pg_class i"
        "          ON i.oid = x.indexrelid, rel WHERE x.indrelid = rel.oid AND i.relname = $1)"
        " SELECT a.attname FROM (SELECT cols FROM cols LIMIT 1) k, rel, pg_attribute a"
        " WHERE a.attrelid = rel.oid AND a.attnum = ANY (k.cols) AND cardinality(k.cols) = 1",
        {w.constraint, w.schema, w.table});
    if (r.size() == 1) column = r.get(0, 0);
  }
  if (column.empty()) return std::nullopt;
  if (column == type.key_column) return "id";
  if (column == type.org_column) return "organizationId";
  for (const auto& f : type.fields)
    if (f.column == column) return f.json;
  return std::nullopt;
}

// The statement and its parameters for one attempt (see mutation_sql.h for the numbering).
std::pair<std::string, db::Params> statement(const Target& t, const Write& w,
                                             const sync::Mutation& m, bool may_all) {
  db::Params p{m.tx.transaction_id, t.actor.user_id, t.org_id,
               t.type.name,         w.entity_id,     sync::action_name(m.action),
               m.tx.changed_field,  m.tx.source_id,  t.actor.owner_id()};
  const db::Param may_all_param = may_all ? "true" : "false";
  switch (m.action) {
    case Action::kCreate: {
      json::object field_tx;
      for (const auto& [f, v] : w.values) field_tx[f->json] = m.tx.transaction_id;
      p.push_back(tx_json(m.tx));
      p.push_back(json_text(field_tx));
      for (const auto& f : t.type.fields) {
        if (!f.writable()) continue;
        db::Param v;
        for (const auto& [given, value] : w.values)
          if (given == &f) v = value;
        p.push_back(std::move(v));
      }
      return {create_statement(t.type), std::move(p)};
    }
    case Action::kUpdate: {
      const auto& [field, value] = w.values.front();
      p.push_back(tx_json(m.tx));
      p.push_back(m.tx.expected_transaction_id);
      p.push_back(may_all_param);
      p.push_back(value);
      return {update_statement(t.type, *field), std::move(p)};
    }
    case Action::kDelete:
      p.push_back(m.tx.expected_transaction_id);
      p.push_back(may_all_param);
      return {delete_statement(t.type), std::move(p)};
  }
  SYNCLINE_UNREACHABLE("every Action is handled above");
}

}  // namespace

Result<Outcome> apply_mutation(db::Connection& c, const Target& t, const sync::Mutation& m) {
  auto w = validate(t, m);
  if (!w) return w.error();
  Op op = m.action == Action::kCreate   ? Op::kCreate
          : m.action == Action::kUpdate ? Op::kUpdate
                                        : Op::kDelete;
  Grant grant = grant_for(t.actor, op, t.type);
  if (grant == Grant::kNone)
    return forbidden(std::string("not allowed to ") + sync::action_name(m.action) + " a " +
                     t.type.name);
  // A merged write (merge: text) expects the server's transaction instead of the stale one.
  sync::Mutation cur = m;
  const db::Param mine = m.action == Action::kUpdate ? w->values.front().second : std::nullopt;
  bool merged = false;
  // Retries only when the row changed between a rolled-back attempt and its diagnosis, or
  // after a merge.
  for (int attempt = 0; attempt < 5; ++attempt) {
    auto [sql, params] = statement(t, *w, cur, grant == Grant::kAll);
    // The abort is the one expected database error (by its SQLSTATE); any other propagates.
    std::optional<db::Rows> rows;
    try {
      rows.emplace(c.exec(sql, params));
    } catch (const db::DbError& e) {
      // An app constraint (ADOPT-002): the statement, txId claim included, rolled back.
      if (e.kind() == db::DbErrorKind::kConstraint)
        return db::constraint_violation(e, constraint_field(c, t.type, e));
      if (!is_not_applied(e)) throw;
    }
    if (!rows) {
      auto why = diagnose(c, t, *w, cur);
      if (why) continue;
      // Only an update has a field (w->values is empty for a delete).
      if (m.action != Action::kUpdate || !w->values.front().first->merge_text ||
          why.error().code != "FIELD_CONFLICT")
        return why.error();
      const Field& field = *w->values.front().first;
      // Against the base the writer saw and its own value, whatever an earlier attempt merged.
      auto next = merge_stale_write(c, t.org_id, t.type, field, w->entity_id, mine,
                                    m.tx.expected_transaction_id, m.tx.base_value, why.error());
      if (!next) return next.error();
      w->values.front().second = std::move(next->value);
      cur.tx.expected_transaction_id = std::move(next->expected);
      merged = true;
      continue;
    }
    const auto& r = *rows;
    if (!r.get_bool(0, 0)) {
      auto replayed = replay_or_reject(c, t, w->entity_id, m);
      if (replayed) count(metrics().mutations_replayed);
      return replayed;
    }
    count(metrics().mutations_applied);
    if (m.action == Action::kDelete)
      return Outcome{false, response_body({{"data", nullptr}, {"fieldTx", json::object{}}},
                                          m.tx.transaction_id)};
    auto body = response_body(stored_from(r, 0, 1).representation, m.tx.transaction_id);
    if (merged) {
      count(metrics().mutations_merged);
      body["merged"] = true;
    }
    return Outcome{m.action == Action::kCreate, std::move(body)};
  }
  return unavailable("BUSY", "the entity kept changing; retry the request", 1);
}

}  // namespace syncline::entities
