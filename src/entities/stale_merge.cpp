#include "entities/stale_merge.h"

#include <boost/json/array.hpp>

#include "common/strings.h"
#include "merge/admission.h"
#include "merge/text_merge.h"

namespace syncline::entities {

namespace json = boost::json;

namespace {

json::array ranges_of(const std::vector<merge::TextConflict>& conflicts) {
  json::array out;
  auto pair = [](const merge::TextRange& r) { return json::array{r.begin, r.end}; };
  for (const auto& c : conflicts)
    out.push_back({{"base", pair(c.base)}, {"mine", pair(c.mine)}, {"server", pair(c.server)}});
  return out;
}

}  // namespace

Result<StaleMerge> merge_stale_write(db::Connection& c, const std::string& org_id,
                                     const EntityType& type, const Field& field,
                                     const std::string& entity_id,
                                     const std::optional<std::string>& mine,
                                     const std::optional<std::string>& base_tx,
                                     const std::optional<std::string>& sent_base, Error conflict) {
  const auto* server = conflict.details.if_contains("serverValue");
  const auto* server_tx = conflict.details.if_contains("serverTransactionId");
  if (!mine || !base_tx || !server || !server->is_string() || !server_tx || !server_tx->is_string())
    return conflict;  // a value cleared on either side is not a text to merge
  // The kept value, else the sent one when it is what the version's hash says.
  auto base = c.exec(
      "SELECT coalesce(value, CASE WHEN value_sha256 = sha256(convert_to($6::text, 'UTF8'))"
      " THEN $6::text END) FROM field_history WHERE organization_id = $1 AND entity_type = $2"
      " AND entity_id = $3 AND field = $4 AND transaction_id = $5",
      {org_id, type.name, entity_id, field.json, *base_tx, sent_base});
  if (base.empty() || base.is_null(0, 0)) return conflict;  // not kept (or written by the app)
  // Copies: adding members below may move what `server` and `server_tx` point into.
  const std::string base_value(base.get(0, 0)), server_value(server->as_string()),
      server_value_tx(server_tx->as_string());
  conflict.details["baseValue"] = base_value;
  conflict.details["mineValue"] = *mine;
  // The pool's slot and the merge share one budget: waited for, then merged, ≤ 200 ms.
  merge::MergeLimits limits;
  const auto deadline = merge::Admission::Clock::now() + limits.budget;
  auto slot = merge::node_admission().admit(org_id, deadline);
  if (!slot) return conflict;  // this org's previous merge (or a full pool) took the budget
  limits.max_bytes = 4 * field.max_len + 4;  // code points, at most 4 bytes each
  limits.budget = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - merge::Admission::Clock::now());
  auto merged = merge::merge_text(base_value, *mine, server_value, limits);
  if (merged.outcome == merge::TextMerge::Outcome::kMerged &&
      utf8_length(merged.merged) <= field.max_len)
    return StaleMerge{std::move(merged.merged), server_value_tx};
  if (merged.outcome == merge::TextMerge::Outcome::kConflict)
    conflict.details["ranges"] = ranges_of(merged.conflicts);
  return conflict;
}

}  // namespace syncline::entities
