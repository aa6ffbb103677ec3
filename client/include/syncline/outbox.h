// Outbox (OFFLINE-001..009): mutations made while offline (or not yet sent), durable in the
// client's SQLite file, in the order they were made. Entries are keyed (orgId, entityType,
// entityId, field) with field "" for entity-level entries (never NULL: SQLite treats NULLs as
// distinct). Squash, merge and remove touch only entries never sent:
//   - an update of a field with a queued update keeps the newest value and txId and the
//     original expectedTransactionId (same-field squash);
//   - an update of an entity with a queued create merges into the create's data;
//   - a delete of an entity with a queued create removes both (and its queued updates);
//   - an edit behind an entry already sent is queued with expectedTransactionId = that
//     entry's txId.
// Thread-safe; several processes may share the file (WAL, busy timeout).
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "syncline/local_store.h"

struct sqlite3;

namespace syncline::client {

struct OutboxEntry {
  std::int64_t id = 0;  // order of creation
  EntityKey key;
  std::string field;           // "" for create/delete
  std::string kind;            // create | update | delete
  boost::json::value value;    // update: the field's value; create: the data object
  std::string transaction_id;  // stable across retries
  std::optional<std::string> expected_transaction_id;
  std::string state;  // queued | sent | conflicted
};

class Outbox {
 public:
  explicit Outbox(const std::string& path);  // the same file as the LocalStore is fine
  ~Outbox();
  Outbox(const Outbox&) = delete;
  Outbox& operator=(const Outbox&) = delete;

  void create(const EntityKey& key, const boost::json::object& data, const std::string& tx);
  void update(const EntityKey& key, const std::string& field, const boost::json::value& value,
              const std::string& tx, const std::optional<std::string>& expected);
  void remove(const EntityKey& key, const std::string& tx,
              const std::optional<std::string>& expected);

  std::vector<OutboxEntry> entries() const;  // every entry, oldest first
  std::vector<OutboxEntry> queued() const;   // not yet sent, oldest first
  void mark(std::int64_t id, const std::string& state);
  void done(std::int64_t id);  // applied (or dropped): forget it

 private:
  sqlite3* db_ = nullptr;
  mutable std::mutex mu_;
};

}  // namespace syncline::client
