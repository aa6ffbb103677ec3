// The mutation wrapper of the write path (DESIGN §4, API-001..012, CON-2/3):
//   {"data": {...}, "tx": {"transactionId", "sourceId", "changedField", "expectedTransactionId"}}
// parse_mutation() checks the wrapper's shape only; field values are checked against the
// entity registry by the entities module. Pure: no I/O.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <string>

#include "common/error.h"

namespace syncline::sync {

enum class Action { kCreate, kUpdate, kDelete };
const char* action_name(Action a);

inline constexpr std::int64_t kMaxClockSkewMs = 60'000;

struct TxMeta {
  std::string transaction_id;
  std::string source_id;
  std::optional<std::string> changed_field;
  std::optional<std::string> expected_transaction_id;
  // An update of a `merge: text` field may carry the value it was made against (DESIGN §21):
  // merged against when the history kept only that version's hash.
  std::optional<std::string> base_value;
};

struct Mutation {
  Action action;
  boost::json::object data;  // empty for delete
  TxMeta tx;
};

// 400 with a specific code for every malformed wrapper: INVALID_BODY, UNKNOWN_FIELD,
// MISSING_FIELD, INVALID_TRANSACTION_ID, INVALID_SOURCE_ID, INVALID_CHANGED_FIELD,
// CLOCK_SKEW (transactionId's wall time more than 60 s ahead of now_ms).
Result<Mutation> parse_mutation(const boost::json::object& body, Action action,
                                std::int64_t now_ms);

}  // namespace syncline::sync
