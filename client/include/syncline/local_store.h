// LocalStore: the client's durable cache in SQLite (WAL mode), keyed on
// (orgId, entityType, entityId) as every client store is (DESIGN §8). It holds each entity's
// data and fieldTx as the server last sent them — the field-transaction store
// (CONFLICT-010..012) is the fieldTx of these rows — and the last applied activity id per org.
// Change listeners are called after each committed change, on the calling thread, through this
// object's view (set_view): an entity outside it is told as removed. The cache also records the
// shapes the machine's clients of an org show (their union is what the leader streams), each
// once hydrated.
// Thread-safe (one connection behind a mutex); survives restarts and crashes (WAL).
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>
#include "syncline/ordered_mutex.h"

struct sqlite3;

namespace syncline::client {

struct EntityKey {
  std::string org_id;
  std::string entity_type;  // "page" | "attachment"
  std::string entity_id;
  auto operator<=>(const EntityKey&) const = default;
};

struct CachedEntity {
  EntityKey key;
  boost::json::object data;
  boost::json::object field_tx;  // field -> last transaction id the server reported
  // The transaction the server last reported for a field: what an update must expect.
  std::optional<std::string> transaction_of(const std::string& field) const;
};

struct Change {
  EntityKey key;
  std::optional<CachedEntity> entity;  // nullopt: removed
};

class LocalStore {
 public:
  // Opens or creates the database file. Throws std::runtime_error when SQLite fails.
  explicit LocalStore(const std::string& path);
  ~LocalStore();
  LocalStore(const LocalStore&) = delete;
  LocalStore& operator=(const LocalStore&) = delete;

  // Replaces the entity (data and fieldTx) as the server sent it.
  void put(const CachedEntity& e);
  // The same for many, in one transaction (a snapshot's batch); listeners hear each after it.
  void put_batch(const std::vector<CachedEntity>& batch);
  void remove(const EntityKey& key);
  std::optional<CachedEntity> get(const EntityKey& key) const;
  std::vector<CachedEntity> list(const std::string& org_id, const std::string& entity_type) const;
  // How many entities the cache holds for the org (all types).
  std::int64_t count(const std::string& org_id) const;
  // The entity types the cache holds for the org.
  std::vector<std::string> entity_types(const std::string& org_id) const;
  // Drops every entity and the offset of an org (after `event: reset`).
  void clear_org(const std::string& org_id);
  // A type loaded again in place (a `refetch`, DESIGN §18): after begin_type_reload,
  // put_batch notes the ids of that type it writes; end_type_reload(true) then drops the type's
  // rows the load did not bring (false: keeps every row, for a load cut short). Readers see the
  // old rows, then the new ones, never the type empty. One reload at a time per store; begin
  // again to start a load over.
  void begin_type_reload(const std::string& org_id, const std::string& entity_type);
  void end_type_reload(bool complete);

  // The transaction the server last reported for a field: what an update must expect.
  std::optional<std::string> expected_transaction_id(const EntityKey& key,
                                                     const std::string& field) const;

  std::optional<std::int64_t> offset(const std::string& org_id) const;
  void set_offset(const std::string& org_id, std::int64_t activity_id);

  // Tells this object's listeners about a change another process wrote to the shared file.
  void announce(const Change& c) { notify(c); }

  // What this object's listeners see: entities for which `in_view` holds (none set: all).
  void set_view(std::function<bool(const CachedEntity&)> in_view);

  // The shapes (JSON text; "*" = the whole org) the machine's clients of an org show, and
  // whether each has been hydrated (listed behind a barrier) into this cache.
  struct ShapeEntry {
    std::string text;
    bool hydrated = false;
  };
  bool add_shape(const std::string& org_id, const std::string& text);  // false: known already
  std::vector<ShapeEntry> shapes(const std::string& org_id) const;
  void set_shape_hydrated(const std::string& org_id, const std::string& text);

  using Listener = std::function<void(const Change&)>;
  int subscribe(Listener l);
  void unsubscribe(int id);

  std::string journal_mode() const;

 private:
  void notify(const Change& c);
  bool has_listeners();
  sqlite3* db_ = nullptr;
  mutable OrderedMutex<7> mu_;
  std::optional<std::pair<std::string, std::string>> reloading_;  // (org, type), under mu_
  OrderedMutex<4> listeners_mu_;
  std::map<int, Listener> listeners_;
  std::function<bool(const CachedEntity&)> in_view_;  // under listeners_mu_
  int next_listener_ = 1;
};

}  // namespace syncline::client
