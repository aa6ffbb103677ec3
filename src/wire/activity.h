// Activity: the one record of an activity (DESIGN §5, §6, §18; CDC-010..021, AB-001..005), from
// the CDC worker's decoder to the SSE frame. The worker builds it (cdc wraps it with its source
// position), the NOTIFY payload and the worker's spill file carry it in one JSON form (the
// writer and the reader below, side by side), the bus and catch-up turn it into a frame. Pure;
// any thread.
//   {"orgId","activityId","entityType","entityId","action","tx","changedKeys","createdAt",
//    ["userId",] "entity"[,"before"]}
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace syncline::wire {

// What happened to the entity; `refetch`: a bulk change of the type (no entity, DESIGN §18).
enum class Action { kCreate, kUpdate, kDelete, kRefetch };
const char* to_string(Action a);
std::optional<Action> parse_action(std::string_view s);

struct Activity {
  std::int64_t id = 0;  // the log's id; 0 until written
  std::string org_id, entity_type;
  std::string entity_id;  // "" for a refetch, never else
  Action action = Action::kCreate;
  std::optional<std::string> user_id;  // the log's and the spill file's; not in a NOTIFY
  std::string created_at;              // RFC 3339 UTC; "" until written
  boost::json::array changed_keys;
  boost::json::value tx;  // {transactionId, sourceId, changedField} or null
  // {data, fieldTx}; data null when deleted; null when cut to fit a NOTIFY (read it from the
  // log) and for a refetch.
  boost::json::value entity;
  // Old values of the shape-filterable fields an update touched (all of them for a delete), for
  // routing leaves (DESIGN §16); null = unknown.
  boost::json::value before;

  // Carries its entity, or needs none (a delete, a refetch): a reader needs nothing from the log.
  bool complete() const {
    return entity.is_object() || action == Action::kDelete || action == Action::kRefetch;
  }
};

// A JSON string literal of `s` (quotes and escapes).
std::string quoted(const std::string& s);

// The members before `entity`, serialized one by one ("{…,\"entity\":" without the entity);
// `with_user`: the spill file's form.
std::string head_of(const Activity& a, bool with_user);
// The whole object, every member (the spill file's form: it is never cut).
std::string to_json(const Activity& a);
// What head_of/to_json wrote: nullopt unless exactly that shape. `written`: it has its id and
// createdAt (a NOTIFY), else they may be absent (0, "") as in the spill file. Takes the
// object's values.
std::optional<Activity> read_activity(boost::json::object& o, bool written);

}  // namespace syncline::wire
