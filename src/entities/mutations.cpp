#include "entities/mutations.h"

#include <boost/json/serialize.hpp>

#include "common/strings.h"
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
Write validate(const Target& t, const sync::Mutation& m) {
  Write w;
  if (m.action == Action::kCreate) {
    auto id = m.data.if_contains("id");
    if (!id || !id->is_string() || !is_valid_id(id->as_string()))
      throw ApiError(bad_request("INVALID_FIELD", "'id' must be 1..64 of [A-Za-z0-9_-]"));
    w.entity_id = std::string(id->as_string());
  } else {
    w.entity_id = t.entity_id;
  }
  for (const auto& kv : m.data) {
    if (m.action == Action::kCreate && kv.key() == "id") continue;
    if (m.action == Action::kCreate && kv.key() == "organizationId") {
      if (!kv.value().is_string() || kv.value().as_string() != t.org_id)
        throw ApiError(bad_request("INVALID_FIELD", "'organizationId' must be this organization's id"));
      continue;
    }
    const Field* f = t.type.field(kv.key());
    if (!f)
      throw ApiError(bad_request("UNKNOWN_FIELD", "'" + std::string(kv.key()) +
                                                      "' is not a field of " + t.type.name));
    w.values.emplace_back(f, value_or_throw(to_param(*f, kv.value())));
  }
  if (m.action == Action::kCreate) {
    for (const auto& f : t.type.fields)
      if (f.required && !m.data.contains(f.json))
        throw ApiError(bad_request("MISSING_FIELD", "'" + f.json + "' is required"));
  }
  return w;
}

std::string tx_json(const sync::TxMeta& tx) {
  json::object o{{"transactionId", tx.transaction_id},
                 {"sourceId", tx.source_id},
                 {"changedField", tx.changed_field ? json::value(*tx.changed_field) : nullptr}};
  return json::serialize(o);
}

json::object response_body(json::object representation, const std::string& tx_id) {
  representation["tx"] = json::object{{"transactionId", tx_id}};
  return representation;
}

// Claims the txId. Returns false when it was applied before (by this or a racing request,
// whose row lock we waited on); throws 422 when it was used for something else.
bool claim_transaction(db::Connection& c, const Target& t, const std::string& entity_id,
                       const sync::Mutation& m) {
  const char* action = sync::action_name(m.action);
  auto ins = c.exec(
      "INSERT INTO applied_transactions(transaction_id, user_id, organization_id, entity_type,"
      " entity_id, action, changed_field, source_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
      " ON CONFLICT (transaction_id) DO NOTHING RETURNING 1",
      {m.tx.transaction_id, t.actor.user_id, t.org_id, t.type.name, entity_id, action,
       m.tx.changed_field, m.tx.source_id});
  if (!ins.empty()) return true;
  auto prev = c.exec(
      "SELECT user_id = $2 AND organization_id = $3 AND entity_type = $4 AND entity_id = $5"
      " AND action = $6 AND changed_field IS NOT DISTINCT FROM $7"
      " FROM applied_transactions WHERE transaction_id = $1",
      {m.tx.transaction_id, t.actor.user_id, t.org_id, t.type.name, entity_id, action,
       m.tx.changed_field});
  if (prev.empty() || !prev.get_bool(0, 0))
    throw ApiError(unprocessable("TRANSACTION_ID_REUSED",
                                 "this transactionId was already used for another mutation"));
  return false;
}

Outcome replay(db::Connection& c, const Target& t, const std::string& entity_id,
               const sync::Mutation& m) {
  auto cur = fetch_entity(c, t.type, t.org_id, entity_id);
  if (cur && !is_permission_allowed(t.actor, Op::kRead, t.type, cur->created_by))
    throw ApiError(forbidden());
  json::object rep = cur ? std::move(cur->representation)
                         : json::object{{"data", nullptr}, {"fieldTx", json::object{}}};
  return {200, response_body(std::move(rep), m.tx.transaction_id)};
}

Error field_conflict(const Stored& cur, const std::optional<std::string>& field,
                     const sync::TxMeta& tx, const json::value& server_tx) {
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

Outcome create(db::Connection& c, const Target& t, const Write& w, const sync::Mutation& m) {
  std::string cols = "id, organization_id, created_by, modified_by, tx, field_tx";
  std::string vals = "$1, $2, $3, $3, $4::jsonb, $5::jsonb";
  json::object field_tx;
  db::Params params{w.entity_id, t.org_id, t.actor.user_id, tx_json(m.tx), std::nullopt};
  for (const auto& [f, v] : w.values) {
    params.push_back(v);
    cols += ", " + f->column;
    vals += ", $" + std::to_string(params.size()) + "::" + f->sql_type();
    field_tx[f->json] = m.tx.transaction_id;
  }
  params[4] = json::serialize(field_tx);
  auto r = c.exec("INSERT INTO " + t.type.table + " AS t (" + cols + ") VALUES (" + vals +
                      ") ON CONFLICT (id) DO NOTHING RETURNING " + representation_columns(t.type),
                  params);
  if (r.empty())
    throw ApiError(conflict("ENTITY_EXISTS", "an entity with this id already exists"));
  return {201, response_body(stored_from(r, 0).representation, m.tx.transaction_id)};
}

Outcome update(db::Connection& c, const Target& t, const Write& w, const sync::Mutation& m) {
  auto cur = fetch_entity(c, t.type, t.org_id, w.entity_id, /*lock=*/true);
  if (!cur) throw ApiError(not_found(t.type.name + " not found"));
  if (!is_permission_allowed(t.actor, Op::kUpdate, t.type, cur->created_by))
    throw ApiError(forbidden("not allowed to update this " + t.type.name));
  const auto& [field, value] = w.values.front();
  const auto& field_tx = cur->representation.at("fieldTx").as_object();
  if (auto last = field_tx.if_contains(field->json); last && last->is_string()) {
    if (!m.tx.expected_transaction_id || *m.tx.expected_transaction_id != last->as_string())
      throw ApiError(field_conflict(*cur, field->json, m.tx, *last));
  }
  auto r = c.exec("UPDATE " + t.type.table + " AS t SET " + field->column + " = $1::" +
                      field->sql_type() +
                      ", field_tx = t.field_tx || jsonb_build_object($2::text, $3::text),"
                      " tx = $4::jsonb, modified_at = now(), modified_by = $5"
                      " WHERE t.id = $6 AND t.organization_id = $7 RETURNING " +
                      representation_columns(t.type),
                  {value, field->json, m.tx.transaction_id, tx_json(m.tx), t.actor.user_id,
                   w.entity_id, t.org_id});
  return {200, response_body(stored_from(r, 0).representation, m.tx.transaction_id)};
}

Outcome remove(db::Connection& c, const Target& t, const Write& w, const sync::Mutation& m) {
  auto cur = fetch_entity(c, t.type, t.org_id, w.entity_id, /*lock=*/true);
  if (!cur) throw ApiError(not_found(t.type.name + " not found"));
  if (!is_permission_allowed(t.actor, Op::kDelete, t.type, cur->created_by))
    throw ApiError(forbidden("not allowed to delete this " + t.type.name));
  const auto& row_tx = cur->representation.at("tx");
  if (m.tx.expected_transaction_id && row_tx.is_object()) {
    const auto& last = row_tx.as_object().at("transactionId");
    if (last.is_string() && last.as_string() != *m.tx.expected_transaction_id)
      throw ApiError(field_conflict(*cur, std::nullopt, m.tx, last));
  }
  c.exec("DELETE FROM " + t.type.table + " WHERE id = $1 AND organization_id = $2",
         {w.entity_id, t.org_id});
  return {200, response_body({{"data", nullptr}, {"fieldTx", json::object{}}},
                             m.tx.transaction_id)};
}

}  // namespace

Outcome apply_mutation(db::Connection& c, const Target& t, const sync::Mutation& m) {
  Write w = validate(t, m);
  if (m.action == Action::kCreate &&
      !is_permission_allowed(t.actor, Op::kCreate, t.type, std::nullopt))
    throw ApiError(forbidden("not allowed to create a " + t.type.name));
  db::Transaction tx(c);
  if (!claim_transaction(c, t, w.entity_id, m)) return replay(c, t, w.entity_id, m);
  Outcome out = m.action == Action::kCreate   ? create(c, t, w, m)
                : m.action == Action::kUpdate ? update(c, t, w, m)
                                              : remove(c, t, w, m);
  tx.commit();
  return out;
}

}  // namespace syncline::entities
