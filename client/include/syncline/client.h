// Client: one organization's synced view for a C++ application (DESIGN §8, first half).
//
//   syncline::client::Client c({.host = "127.0.0.1", .port = 8080, .token = token,
//                               .org_id = org, .data_dir = "/var/lib/myapp"});
//   c.start();                                   // hydrate, then live
//   auto tx = c.update("page", "home", {{"name", "Home"}});   // optimistic, one tx per field
//   c.store().subscribe([](const Change& ch) { ... });          // cache changes
//
// Hydration barrier: the live stream opens first (at the stored offset, else `now`) and its
// messages are buffered; with no stored offset the lists are loaded; then the buffer is
// applied in order and the stream goes live. The cache (LocalStore) holds server state only;
// pending local edits are an overlay that get() applies on top until the server answers.
// Mutations: pending → sent (2xx) → confirmed (the stream delivered the same txId) | failed
// (rolled back) | conflicted (409: the server value wins unless the field is marked manual).
// Methods are thread-safe; mutation calls block on HTTP (call them off any UI thread).
#pragma once

#include <boost/json/object.hpp>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "syncline/api.h"
#include "syncline/hlc.h"
#include "syncline/live_stream.h"
#include "syncline/local_store.h"
#include "syncline/network_status.h"

namespace syncline::client {

struct ClientOptions {
  std::string host = "127.0.0.1";
  unsigned short port = 8080;
  std::string token;
  std::string org_id;
  std::string data_dir;                                                 // holds cache.db
  std::chrono::milliseconds probe_interval = std::chrono::seconds(30);  // HEAD /health
};

enum class MutationState { kPending, kSent, kConfirmed, kFailed, kConflicted };
const char* to_string(MutationState s);

struct Conflict {  // a `manual` field's local value that lost to the server
  EntityKey key;
  std::string field;
  boost::json::value mine;
  boost::json::value server;
  std::string server_transaction_id;
};

class Client {
 public:
  explicit Client(ClientOptions o);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Hydrates and goes live; false when not hydrated within the timeout.
  bool start(std::chrono::milliseconds timeout = std::chrono::seconds(30));
  void stop();

  LocalStore& store() { return *store_; }
  Hlc& hlc() { return hlc_; }
  Api& api() { return api_; }
  NetworkStatus& network() { return *network_; }
  // The entity as the user sees it: server state plus pending local edits.
  std::optional<boost::json::object> get(const std::string& type, const std::string& id) const;

  // Each returns the transaction ids it sent (an update sends one per field).
  std::string create(const std::string& type, boost::json::object data);
  std::vector<std::string> update(const std::string& type, const std::string& id,
                                  const boost::json::object& fields);
  std::string remove(const std::string& type, const std::string& id);

  std::optional<MutationState> state(const std::string& tx_id) const;
  void on_mutation(std::function<void(const std::string& tx, MutationState)> cb);
  // Fields whose conflicts the user resolves instead of "server wins" (MERGE-003).
  void set_manual(const std::string& type, const std::string& field);
  std::vector<Conflict> conflicts() const;

  // Test hook: runs before the list load of a hydration (to widen the barrier's window).
  std::function<void()> before_list_load;
  bool loaded_lists() const { return loaded_lists_; }

 private:
  void on_message(const SseMessage& m);
  void apply_change(const boost::json::object& msg);
  void load_lists();
  void put_from(const std::string& type, const boost::json::value& rep);
  void set_state(const std::string& tx, MutationState s);
  ApiResponse call(const std::string& method, const std::string& target,
                   const std::optional<boost::json::value>& body = std::nullopt);

  ClientOptions opts_;
  Api api_;
  Hlc hlc_;
  std::unique_ptr<LocalStore> store_;
  std::unique_ptr<LiveStream> stream_;
  std::unique_ptr<NetworkStatus> network_;
  bool reload_after_subscribe_ = false;  // after `event: reset`

  // Recursive: cache listeners run under it and may call get() back.
  mutable std::recursive_mutex mu_;
  std::condition_variable_any cv_;
  bool hydrating_ = true;
  bool subscribed_ = false;  // the first `event: offset` arrived
  bool loaded_lists_ = false;
  std::vector<SseMessage> buffered_;
  std::map<std::pair<EntityKey, std::string>, boost::json::value> overlay_;  // pending edits
  std::map<std::string, MutationState> states_;
  std::set<std::string> streamed_tx_;  // txIds the stream delivered
  std::set<std::pair<std::string, std::string>> manual_;
  std::vector<Conflict> conflicts_;
  std::function<void(const std::string&, MutationState)> on_mutation_;
};

}  // namespace syncline::client
