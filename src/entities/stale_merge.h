// `merge: text` on the write path (DESIGN §21): a PATCH whose expectedTransactionId is stale for
// a text field is merged three-way — base = the field's value at that transaction
// (field_history), mine = the PATCH's value, server = the value now — and written as an ordinary
// update that expects the server's transaction. What cannot be merged (overlapping changes, a
// base no longer kept, a result over the field's length, a merge over its bounds) stays the 409
// FIELD_CONFLICT, now with baseValue, mineValue and the conflicting ranges when they are known.
#pragma once

#include <optional>
#include <string>

#include "common/error.h"
#include "db/connection.h"
#include "entities/registry.h"

namespace syncline::entities {

struct StaleMerge {
  std::string value;     // the merged text, to write
  std::string expected;  // the server's transaction on the field, to expect
};

// `sent_base` is the PATCH's tx.baseValue: used when the history kept only its hash.
// `conflict` is the FIELD_CONFLICT the write met (its details carry serverValue and
// serverTransactionId); returned, with the merge's findings added, when there is no merge.
Result<StaleMerge> merge_stale_write(db::Connection& c, const std::string& org_id,
                                     const EntityType& type, const Field& field,
                                     const std::string& entity_id,
                                     const std::optional<std::string>& mine,
                                     const std::optional<std::string>& base_tx,
                                     const std::optional<std::string>& sent_base, Error conflict);

}  // namespace syncline::entities
