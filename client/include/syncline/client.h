// Client: one organization's synced view for a C++ application (DESIGN §8).
//
//   syncline::client::Client c({.host = "127.0.0.1", .port = 8080, .token = token,
//                               .org_id = org, .data_dir = "/var/lib/myapp"});
//   c.start();                                   // hydrate (or join the machine's leader), live
//   auto tx = c.update("page", "home", {{"name", "Home"}});   // optimistic, one tx per field
//   c.store().subscribe([](const Change& ch) { ... });          // cache changes
//
// Hydration barrier: the live stream opens first (at the stored offset, else `now`) and its
// messages are buffered; with no stored offset the lists are loaded; then the buffer is
// applied in order and the stream goes live. The cache (LocalStore) holds server state only;
// the durable outbox holds local edits, and get() applies them on top until the server answers.
// Every mutation goes through the outbox. It is flushed, in order, only while the stream is
// caught up (upstream-first, OFFLINE-010..013): a queued field edit whose field the server
// meanwhile changed by another transaction is marked conflicted instead of sent; retries keep
// their txId, so a lost response never applies a change twice.
// Mutations: pending → sent (2xx) → confirmed (the stream delivered the same txId) | failed
// (rolled back) | conflicted. A conflict is kept for the user (keep mine / keep server /
// merge) when the edit was made offline or its field is marked manual; otherwise the server
// value wins (MERGE-001/002).
// Shapes (DESIGN §16): a client may show only parts of the org (ClientOptions::shapes,
// add_shape). The machine's clients record theirs in the shared cache; the leader's stream
// carries their union and each new shape is hydrated behind the same barrier (the stream
// reopened with it first, then that shape listed, then the buffer applied).
// One stream per machine (TAB-*): processes sharing data_dir elect a leader (flock); only the
// leader streams and flushes; followers get its messages over a Unix socket and put their
// mutations in the shared outbox.
// Methods are thread-safe; mutation calls may block on HTTP (call them off any UI thread).
#pragma once

#include <atomic>
#include <boost/json/object.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "syncline/api.h"
#include "syncline/hlc.h"
#include "syncline/live_stream.h"
#include "syncline/local_store.h"
#include "syncline/network_status.h"
#include "syncline/offset_writer.h"
#include "syncline/ordered_mutex.h"
#include "syncline/outbox.h"
#include "syncline/presence.h"
#include "syncline/shape.h"

namespace syncline::client {

class MachineLink;

// Hydration progress (DESIGN §18): the entities of the snapshot written to the cache so far and
// the bytes read; `done` once its last line is in.
struct HydrationProgress {
  std::int64_t rows = 0;
  std::uint64_t bytes = 0;
  bool done = false;
};

struct ClientOptions {
  std::string host = "127.0.0.1";
  unsigned short port = 8080;
  std::string token;
  std::string org_id;
  std::string data_dir;                                                 // holds cache.db
  std::chrono::milliseconds probe_interval = std::chrono::seconds(30);  // HEAD /health
  std::string app = "syncline";  // names <app>-<org>-sync-leader.lock and -sync.sock
  int priority = 0;              // higher: preferred leader (the native "visible tab")
  TokenProvider token_provider;  // refreshes `token` (JWT-008); see api.h
  bool tls = false;              // https (DEPLOY-001): verified against the system store …
  std::string ca_file;           // … or this CA file alone
  // Partial sync (DESIGN §16): the parts of the org this client shows, a union; empty: all of
  // it. The machine's leader streams the union of its clients' shapes; each client's listeners
  // see its own (an entity that leaves them is told as removed).
  std::vector<Shape> shapes;
  // Called on the hydrating thread as a snapshot loads (after each batch and at the end).
  std::function<void(const HydrationProgress&)> on_progress;
};

enum class MutationState { kPending, kSent, kConfirmed, kFailed, kConflicted };
const char* to_string(MutationState s);

struct Conflict {       // a local edit the user decides about (OFFLINE-020)
  std::int64_t id = 0;  // pass to resolve()
  EntityKey key;
  std::string field;
  boost::json::value mine;
  boost::json::value server;
  std::string transaction_id;  // mine
  std::string server_transaction_id;
};

enum class Resolution { kKeepMine, kKeepServer, kMerge };

class Client {
 public:
  explicit Client(ClientOptions o);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Hydrates (or joins this machine's leader) and goes live; false when not live in time.
  // Mutations work either way: they wait in the outbox.
  bool start(std::chrono::milliseconds timeout = std::chrono::seconds(30));
  void stop();  // flushes the offset; a follower takes over the stream

  LocalStore& store() { return *store_; }
  Outbox& outbox() { return *outbox_; }
  Hlc& hlc() { return hlc_; }
  Api& api() { return api_; }
  NetworkStatus& network() { return *network_; }
  // Who else is here, and where (DESIGN §21): this process's presence and the others'.
  Presence& presence() { return *presence_; }
  bool leader() const;
  bool live() const { return live_; }  // leader: caught up; follower: its leader is
  // The entity as the user sees it: server state plus queued local edits.
  std::optional<boost::json::object> get(const std::string& type, const std::string& id) const;

  // Each returns the transaction ids it made (an update makes one per field).
  std::string create(const std::string& type, boost::json::object data);
  std::vector<std::string> update(const std::string& type, const std::string& id,
                                  const boost::json::object& fields);
  std::string remove(const std::string& type, const std::string& id);

  // Sends what waits in the outbox now (the leader; a follower asks its leader) and returns
  // when that is done. The client also does this by itself whenever it catches up.
  void sync();

  // Shows one more part of the org (a no-op for a client of the whole org): the machine's
  // stream takes it and it is hydrated; true once it is, false if not within `timeout`.
  bool add_shape(const Shape& shape, std::chrono::milliseconds timeout = std::chrono::seconds(30));
  // This client's view: the cached entities of a type in its shapes, queued edits applied.
  std::vector<boost::json::object> list(const std::string& type) const;

  std::optional<MutationState> state(const std::string& tx_id) const;
  // Why the server refused a failed mutation ("422 INVALID_FIELD: …"), when this process sent it.
  std::optional<std::string> failure(const std::string& tx_id) const;
  void on_mutation(std::function<void(const std::string& tx, MutationState)> cb);
  // Fields whose conflicts the user resolves instead of "server wins" (MERGE-003).
  void set_manual(const std::string& type, const std::string& field);
  std::vector<Conflict> conflicts() const;
  // OFFLINE-021..024: keep mine / merge re-queue the value expecting the server's current
  // transaction under a new txId (returned); keep server drops the edit. nullopt when `id` is
  // not a conflict (any more).
  std::optional<std::string> resolve(std::int64_t id, Resolution r,
                                     const boost::json::value& merged = nullptr);

  // Test hooks: runs before the list load of a hydration; holds stream messages back (a
  // lagging stream) until released.
  std::function<void()> before_list_load;
  void hold_stream_for_test(bool hold);
  bool loaded_lists() const { return loaded_lists_; }

 private:
  using StateMutex = OrderedRecursiveMutex<2>;  // mu_

  // client.cpp: stream, hydration, followers
  void lead();
  void on_message(const SseMessage& m);
  void on_leader_message(const boost::json::object& msg);
  // A change or a refetch, under mu_ (held once, by `lock`). A refetch's snapshot is loaded with
  // `lock` released (outside_lock): it takes seconds, or a Retry-After.
  void apply_message(const SseMessage& m, std::unique_lock<StateMutex>& lock);
  // Runs `load` with mu_ released (`lock` holds it once; no caller holds it beneath), so the
  // app's calls, the network observer and stop() never wait on a snapshot. Meanwhile
  // `loads_outside_` counts it: resubscribe_if_changed leaves the stream alone and stream
  // messages are buffered (the stream thread is the caller, or a hydration's buffers them).
  void outside_lock(std::unique_lock<StateMutex>& lock, const std::function<void()>& load);
  // Subscribed again after `event: reset`: everything the stream carries loaded again, and what
  // was sent without an answer settled by it. Under mu_, released for the load.
  void reload_after_reset(std::unique_lock<StateMutex>& lock);
  // The buffered stream messages in order, under mu_ (released by a refetch's load: what
  // arrives meanwhile is buffered behind and applied too).
  void apply_buffered(std::unique_lock<StateMutex>& lock);
  // `row_is_stale`: the cache holds a newer row (a snapshot past this change); only the
  // change's transaction and position are taken.
  void apply_change(const boost::json::object& msg, bool write, bool row_is_stale = false);
  // The snapshot of `shape` ("" = everything) into the cache, replacing the org's rows or laid
  // over them; retried until complete or stopped. The offset it stands at, or nullopt. Never
  // called with mu_ held: its retry waits on wait_cv_. One at a time (load_mu_).
  enum class Replace { kNothing, kOrg, kType };  // laid over; the org's rows; `type`'s rows
  std::optional<std::int64_t> load_snapshot(const std::string& shape, Replace replace,
                                            const std::string& type = "");
  // client_shapes.cpp: the machine's union, hydration of new shapes, this client's view
  void subscribe_and_hydrate(std::optional<std::int64_t> resume);
  // The union of the machine's shapes as the `shape` value; "" = the whole org.
  std::string machine_shape(const std::vector<LocalStore::ShapeEntry>& entries) const;
  // true: something was loaded. After a complete `everything`, `snapshot_at_` is its offset.
  bool hydrate_new_shapes(bool everything);
  bool own_shapes_hydrated() const;
  bool in_view(const std::string& type, const boost::json::object& data) const;
  void register_shapes();
  void resubscribe_if_changed();
  void put_from(const std::string& type, const boost::json::value& rep);
  // client_mutations.cpp: outbox, flush, resolution
  std::vector<std::string> enqueue_update(const EntityKey& key, const boost::json::object& f);
  void after_enqueue(const std::vector<Absorbed>& absorbed);
  void request_flush();
  void flush_locked();  // flush_mu_ held
  void flush();
  bool send(std::int64_t entry_id);  // false: no answer, stop flushing for now
  void set_state(const std::string& tx, MutationState s, bool from_leader = false);
  void confirm_by_reload();  // after a reset's reload; under mu_
  // After a reset's reload from a snapshot (DATA-SCALE-004): an entry sent without an answer
  // whose transaction the snapshot holds landed (confirmed); one older than the server's
  // idempotency ledger may have landed and been forgotten: conflicted, never sent again.
  void reconcile_sent_entries();
  void sync_loop();
  ApiResponse call(const std::string& method, const std::string& target,
                   const std::optional<boost::json::value>& body = std::nullopt);
  // SCHEMA-020: the declared types come from the server (GET /schema), learnt once when it
  // answers; `manual` fields of the schema join set_manual()'s.
  bool learn_schema();
  std::string path_of(const std::string& type);  // /organizations/{org}/<plural>
  std::vector<std::string> known_types();        // declared, else those in the cache

  ClientOptions opts_;
  Api api_;
  Hlc hlc_;
  std::unique_ptr<LocalStore> store_;
  std::unique_ptr<Outbox> outbox_;
  std::unique_ptr<Presence> presence_;
  std::unique_ptr<OffsetWriter> offsets_;
  std::unique_ptr<LiveStream> stream_;
  std::unique_ptr<NetworkStatus> network_;
  std::unique_ptr<MachineLink> link_;
  bool reload_after_subscribe_ = false;  // after `event: reset`
  bool reload_due_ = false;  // subscribed again after a reset; a running hydration reloads
  int loads_outside_ = 0;    // outside_lock loads running (under mu_)
  // Reloads after a reset so far, and per mutation not yet settled the count when it was first
  // sent: one first sent before a reload completed is confirmed by its 2xx and that reload
  // (confirm_by_reload in client_mutations.cpp).
  std::uint64_t reloads_ = 0;
  std::map<std::string, std::uint64_t> first_sent_at_reload_;

  // Recursive: listeners and on_mutation run under it and may call state(), failure() or a
  // mutation back; so does the network observer. Each mutex's level is in its type: the
  // order of client/README.md, checked at run time (syncline/ordered_mutex.h).
  mutable StateMutex mu_;
  std::condition_variable_any cv_;
  std::atomic<bool> stopping_{false}, live_{false}, ready_{false};
  bool hydrating_ = true;
  std::optional<std::int64_t> subscribed_at_;  // the hydration's first offset
  bool subscribed_ = false;                    // the first `event: offset` arrived
  std::atomic<bool> loaded_lists_{false};
  bool hold_ = false;
  std::string stream_shape_;  // what the current stream carries ("" = the whole org)
  std::vector<LocalStore::ShapeEntry> stream_entries_;  // the shapes it was made of
  mutable OrderedMutex<5> shapes_mu_;  // never held while taking mu_: the store's view calls in
  std::vector<Shape> shapes_;          // this client's; empty = the whole org
  bool shapes_changed_ = false;        // under sync_mu_: the sync thread re-checks the union
  std::vector<SseMessage> buffered_;
  // The offset of the whole-org (or whole-union) snapshot just loaded: buffered changes up to it
  // are in the cache already. 0: none (a shape added: the buffer is applied whole).
  std::atomic<std::int64_t> snapshot_at_{0};
  // The last snapshot's `ledgerFrom` (Unix ms; 0: never pruned).
  std::atomic<std::int64_t> ledger_from_{0};
  // Per type, the offset of its last snapshot after a `refetch` (changes up to it: in it).
  std::map<std::string, std::int64_t> refetched_at_;
  std::atomic<std::int64_t> last_seen_{0};  // highest activity id applied or announced
  std::map<std::string, MutationState> states_;
  std::map<std::string, std::string> failures_;  // tx → the server's refusal
  std::map<std::string, std::string> alias_;     // absorbed txId -> the txId carrying it
  std::set<std::string> streamed_tx_;            // txIds the stream delivered
  std::set<std::pair<std::string, std::string>> manual_;
  std::set<std::pair<std::string, std::string>> merges_text_;  // (type, field): merge: text
  std::map<std::string, std::string> plurals_;  // entityType -> route (from GET /schema)
  bool schema_learnt_ = false;
  std::function<void(const std::string&, MutationState)> on_mutation_;

  OrderedTimedMutex<1> flush_mu_;  // one flush at a time, in outbox order
  // One snapshot load at a time: a refetch's on the stream thread and a hydration's or a reset's
  // reload elsewhere must not interleave their writes (never held with flush_mu_).
  OrderedMutex<1> load_mu_;
  OrderedMutex<8> sync_mu_;
  std::condition_variable_any sync_cv_;
  // A snapshot's retry waits here, with no lock of the client's held; stop() wakes it.
  OrderedMutex<8> wait_mu_;
  std::condition_variable_any wait_cv_;
  bool flush_requested_ = false;
  std::thread sync_thread_;
};

}  // namespace syncline::client
