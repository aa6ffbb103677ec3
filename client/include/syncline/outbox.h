// Outbox (OFFLINE-001..013): mutations not yet applied by the server, durable in the client's
// SQLite file, in the order they were made. Entries are keyed (orgId, entityType, entityId,
// field) with field "" for entity-level entries (never NULL: SQLite treats NULLs as distinct).
// States: queued (never sent) → sent (may have reached the server; retried with the same txId)
// → gone once the server answered; or conflicted (kept for the user's resolution).
// Squash, merge and remove touch only entries never sent:
//   - an update of a field with a queued (or conflicted) update keeps the newest value and
//     txId and the original expectedTransactionId (same-field squash);
//   - an update of an entity with a queued create merges into the create's data;
//   - a delete of an entity with a queued create removes both (and its queued updates);
//   - an edit behind an entry already sent is queued with expectedTransactionId = that
//     entry's txId (a sent create counts for every field of its entity).
// Mutating calls return the transactions they absorbed (`into` = the entry that carries them
// now) or cancelled (`into` empty: nothing will be sent), so callers can report their state.
// Thread-safe; several processes share the file (WAL, busy timeout, IMMEDIATE transactions).
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>
#include "syncline/ordered_mutex.h"

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
  std::string state;                // queued | sent | conflicted
  bool offline = false;             // made while not live: a conflict is always kept for the user
  boost::json::value server_value;  // conflicted: the server's side
  std::optional<std::string> server_transaction_id;  // conflicted: what a rebase expects
};

struct Absorbed {
  std::string tx;
  std::string into;  // "" when cancelled
};

class Outbox {
 public:
  explicit Outbox(const std::string& path);  // the same file as the LocalStore is fine
  ~Outbox();
  Outbox(const Outbox&) = delete;
  Outbox& operator=(const Outbox&) = delete;

  std::vector<Absorbed> create(const EntityKey& key, const boost::json::object& data,
                               const std::string& tx, bool offline = false);
  std::vector<Absorbed> update(const EntityKey& key, const std::string& field,
                               const boost::json::value& value, const std::string& tx,
                               const std::optional<std::string>& expected, bool offline = false);
  std::vector<Absorbed> remove(const EntityKey& key, const std::string& tx,
                               const std::optional<std::string>& expected, bool offline = false);

  std::vector<OutboxEntry> entries(const std::string& org_id = "") const;  // oldest first
  std::vector<OutboxEntry> queued() const;  // not yet sent, oldest first
  std::vector<OutboxEntry> of_entity(const EntityKey& key) const;
  std::optional<OutboxEntry> find(std::int64_t id) const;

  // Takes a queued or sent entry for sending: marks it sent and returns it as it was before
  // (state included), atomically, so a squash can never change what is being sent.
  std::optional<OutboxEntry> claim(std::int64_t id);
  void mark(std::int64_t id, const std::string& state);
  // Keeps the entry for the user: the server holds `server_value` written by `server_tx`.
  void conflict(std::int64_t id, const boost::json::value& server_value,
                const std::optional<std::string>& server_tx);
  // Keep mine / merge (OFFLINE-021..023): queue `value` again under a new txId, expecting the
  // server's transaction.
  void rebase(std::int64_t id, const boost::json::value& value, const std::string& tx,
              const std::optional<std::string>& expected);
  // DESIGN §21: queued updates of `field` expecting `from` (a write the server merged) expect
  // `to` (that write's own base) instead, so the server merges them as well.
  void expect_again(const EntityKey& key, const std::string& field, const std::string& from,
                    const std::optional<std::string>& to);
  void done(std::int64_t id);              // applied (or dropped): forget it
  bool done_by_tx(const std::string& tx);  // the stream delivered it: applied

 private:
  sqlite3* db_ = nullptr;
  mutable OrderedMutex<7> mu_;
};

}  // namespace syncline::client
