// Presence for the native client (DESIGN §21, COLLAB): who else is here, and where. Each
// process is its own presence (its clientId is its sourceId): set() PUTs it at once and the
// client renews it every 10 s (the server renews an unchanged PUT without telling anyone; a
// process that stops renewing is gone 30 s later); leave() — and Client::stop() — DELETE it.
// What others do arrives on the machine's one stream: the leader process applies each
// `event: presence` and passes it to the other processes over the machine link. Thread-safe;
// listeners run on the stream's (or the link's) thread; on the leader under the client's state
// lock (client/README.md, lock order), so they must not block.
#pragma once

#include <boost/json/object.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>
#include "syncline/ordered_mutex.h"

#include "syncline/api.h"

namespace syncline::client {

struct PresenceTarget {
  std::string entity_type, entity_id;
};

struct PresenceEntry {
  std::string client_id, user_id;
  std::optional<std::string> entity_type, entity_id;  // none: in the organization
  boost::json::object state;
};

enum class PresenceAction { kJoin, kUpdate, kLeave };
using PresenceListener = std::function<void(PresenceAction, const PresenceEntry&)>;

class Presence {
 public:
  Presence(Api& api, std::string org_id, std::string client_id);
  Presence(const Presence&) = delete;
  Presence& operator=(const Presence&) = delete;

  // Where this process is (none: in the organization) and what it does (≤ 1 KiB of JSON).
  // Returns the PUT's HTTP status (0: no answer; the next renewal tries again).
  int set(const std::optional<PresenceTarget>& on, boost::json::object state = {});
  void leave();
  // Who is here (this process too, once the stream echoes it), on one entity or anywhere.
  std::vector<PresenceEntry> list(const std::optional<PresenceTarget>& on = std::nullopt) const;
  void on_change(PresenceListener listener);
  const std::string& client_id() const { return client_id_; }

  // The client's side: renew when 10 s passed (its sync thread), a change from the stream or
  // the leader, and the list read once at start.
  void renew_if_due(std::chrono::steady_clock::time_point now);
  void apply(const boost::json::object& event);
  void load();

 private:
  std::string path() const;

  Api& api_;
  const std::string org_id_, client_id_;
  mutable OrderedMutex<8> mu_;
  std::optional<boost::json::object> mine_;  // the body last set
  std::chrono::steady_clock::time_point next_renewal_{};
  std::map<std::string, PresenceEntry> here_;  // by user and client
  PresenceListener listener_;
};

}  // namespace syncline::client
