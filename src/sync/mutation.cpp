#include "sync/mutation.h"

#include "common/json_input.h"
#include "common/strings.h"
#include "sync/hlc.h"

namespace syncline::sync {

namespace json = boost::json;

const char* action_name(Action a) {
  switch (a) {
    case Action::kCreate:
      return "create";
    case Action::kUpdate:
      return "update";
    case Action::kDelete:
      return "delete";
  }
  return "?";
}

namespace {
Result<std::optional<std::string>> nullable_tx_string(const json::object& tx, std::string_view key,
                                                      bool required) {
  auto it = tx.find(key);
  if (it == tx.end()) {
    if (required) return bad_request("MISSING_FIELD", "tx." + std::string(key) + " is required");
    return std::optional<std::string>{};
  }
  if (it->value().is_null()) return std::optional<std::string>{};
  if (!it->value().is_string())
    return bad_request("INVALID_FIELD", "tx." + std::string(key) + " must be a string or null");
  return std::optional<std::string>(std::string(it->value().as_string()));
}

Result<TxMeta> parse_tx(const json::value* v, Action action, std::int64_t now_ms) {
  if (!v) return bad_request("MISSING_FIELD", "'tx' is required");
  if (!v->is_object()) return bad_request("INVALID_FIELD", "'tx' must be an object");
  const auto& tx = v->as_object();
  if (auto r = reject_unknown(
          tx, {"transactionId", "sourceId", "changedField", "expectedTransactionId", "baseValue"},
          "tx");
      !r)
    return r.error();
  TxMeta m;
  auto tid = tx.find("transactionId");
  if (tid == tx.end()) return bad_request("MISSING_FIELD", "tx.transactionId is required");
  if (!tid->value().is_string())
    return bad_request("INVALID_TRANSACTION_ID", "tx.transactionId must be a string");
  auto parsed = parse_transaction_id(tid->value().as_string());
  if (!parsed)
    return bad_request("INVALID_TRANSACTION_ID",
                       "tx.transactionId must be an HLC id '<13-digit ms>.<4-digit counter>.<node>'"
                       " of at most 32 characters");
  if (parsed->wall_ms > now_ms + kMaxClockSkewMs)
    return bad_request("CLOCK_SKEW", "tx.transactionId is more than 60 s ahead of server time");
  m.transaction_id = std::string(tid->value().as_string());

  auto src = tx.find("sourceId");
  if (src == tx.end()) return bad_request("MISSING_FIELD", "tx.sourceId is required");
  if (!src->value().is_string() || !is_valid_id(src->value().as_string(), 64))
    return bad_request("INVALID_SOURCE_ID", "tx.sourceId must be 1..64 of [A-Za-z0-9_-]");
  m.source_id = std::string(src->value().as_string());

  // The wrapper always names changedField; expectedTransactionId may be omitted on delete.
  auto changed = nullable_tx_string(tx, "changedField", true);
  if (!changed) return changed.error();
  m.changed_field = std::move(*changed);
  auto expected = nullable_tx_string(tx, "expectedTransactionId", action != Action::kDelete);
  if (!expected) return expected.error();
  m.expected_transaction_id = std::move(*expected);
  if (m.expected_transaction_id && !parse_transaction_id(*m.expected_transaction_id))
    return bad_request("INVALID_TRANSACTION_ID",
                       "tx.expectedTransactionId must be null or an HLC transaction id");

  auto base = nullable_tx_string(tx, "baseValue", false);
  if (!base) return base.error();
  m.base_value = std::move(*base);
  if (m.base_value && action != Action::kUpdate)
    return bad_request("INVALID_BODY", "tx.baseValue belongs to an update only");

  if (action == Action::kUpdate) {
    if (!m.changed_field || m.changed_field->empty() || m.changed_field->size() > 64)
      return bad_request("INVALID_CHANGED_FIELD", "an update names exactly one tx.changedField");
  } else {
    if (m.changed_field)
      return bad_request("INVALID_CHANGED_FIELD", "tx.changedField must be null on create/delete");
    if (action == Action::kCreate && m.expected_transaction_id)
      return bad_request("INVALID_BODY", "tx.expectedTransactionId must be null on create");
  }
  return m;
}
}  // namespace

Result<Mutation> parse_mutation(const json::object& body, Action action, std::int64_t now_ms) {
  if (auto r = reject_unknown(body, {"data", "tx"}, "request body"); !r) return r.error();
  auto tx = parse_tx(body.if_contains("tx"), action, now_ms);
  if (!tx) return tx.error();
  Mutation m{action, {}, std::move(*tx)};
  const json::value* data = body.if_contains("data");
  if (action == Action::kDelete) {
    if (data && !data->is_null() && !(data->is_object() && data->as_object().empty()))
      return bad_request("INVALID_BODY", "a delete carries no data");
    return m;
  }
  if (!data) return bad_request("MISSING_FIELD", "'data' is required");
  if (!data->is_object()) return bad_request("INVALID_FIELD", "'data' must be an object");
  m.data = data->as_object();
  if (action == Action::kUpdate) {
    const auto& f = *m.tx.changed_field;
    if (m.data.size() != 1 || !m.data.contains(f))
      return bad_request("INVALID_BODY",
                         "an update's data holds exactly the field named by tx.changedField");
  }
  return m;
}

}  // namespace syncline::sync
