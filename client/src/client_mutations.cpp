// Client: mutations through the durable outbox, the upstream-first flush (OFFLINE-010..013)
// and conflict resolution (OFFLINE-020..024, MERGE-001..007).
#include <boost/json/serialize.hpp>
#include <iostream>

#include "client_internal.h"
#include "machine_link.h"
#include "syncline/client.h"

namespace syncline::client {

namespace json = boost::json;
using namespace std::chrono_literals;

namespace {
// The `tx` half of the {data, tx} wrapper (DESIGN §4). The sourceId is the node id inside the
// txId: an entry a follower queued keeps its own source when the leader sends it.
json::object tx_of(const std::string& tx, const std::optional<std::string>& field,
                   const std::optional<std::string>& expected) {
  return {{"transactionId", tx},
          {"sourceId", tx.substr(tx.rfind('.') + 1)},
          {"changedField", field ? json::value(*field) : nullptr},
          {"expectedTransactionId", expected ? json::value(*expected) : nullptr}};
}

const json::object* error_of(const ApiResponse& r) {
  if (!r.body.is_object()) return nullptr;
  auto* e = r.body.as_object().if_contains("error");
  return e && e->is_object() ? &e->as_object() : nullptr;
}
}  // namespace

std::string Client::create(const std::string& type, json::object data) {
  EntityKey key{opts_.org_id, type, str(data, "id")};
  auto tx = hlc_.create_transaction_id();
  set_state(tx, MutationState::kPending);
  after_enqueue(outbox_->create(key, data, tx, !live_));
  return tx;
}

std::vector<std::string> Client::update(const std::string& type, const std::string& id,
                                        const json::object& fields) {
  EntityKey key{opts_.org_id, type, id};
  std::vector<std::string> txs;
  std::vector<Absorbed> absorbed;
  for (const auto& kv : fields) {  // one field per mutation (FE-MUT-010)
    std::string field(kv.key());
    auto tx = hlc_.create_transaction_id();
    set_state(tx, MutationState::kPending);
    auto a = outbox_->update(key, field, kv.value(), tx,
                             store_->expected_transaction_id(key, field), !live_);
    absorbed.insert(absorbed.end(), a.begin(), a.end());
    txs.push_back(tx);
  }
  after_enqueue(absorbed);
  return txs;
}

std::string Client::remove(const std::string& type, const std::string& id) {
  auto tx = hlc_.create_transaction_id();
  set_state(tx, MutationState::kPending);
  after_enqueue(outbox_->remove({opts_.org_id, type, id}, tx, std::nullopt, !live_));
  return tx;
}

// Absorbed transactions follow the entry that carries them; cancelled ones (a create and its
// delete, both never sent) are done: the server already has their net effect, nothing.
void Client::after_enqueue(const std::vector<Absorbed>& absorbed) {
  for (const auto& a : absorbed) {
    if (a.into.empty()) {
      set_state(a.tx, MutationState::kConfirmed);
    } else {
      std::lock_guard lock(mu_);
      alias_[a.tx] = a.into;
    }
  }
  // The leader (or a process not started yet, which only queues) sends at once, so a call
  // made while live returns with its answer; a follower hands the flush to the leader.
  sync();
}

void Client::sync() {
  if (link_ && !link_->leader())
    link_->request_flush();
  else if (tl_no_blocking_flush)
    request_flush();  // from a listener or callback: the sync thread sends it
  else if (std::unique_lock mine(flush_mu_, 250ms); mine)
    flush_locked();
  else
    request_flush();  // a flush is stuck on a slow request: never wait out its timeout;
                      // the sync thread sends this one right after
}

void Client::request_flush() {
  std::lock_guard lock(sync_mu_);
  flush_requested_ = true;
  sync_cv_.notify_all();
}

// Retries what is left every second while live (entries whose send got no answer).
void Client::sync_loop() {
  std::unique_lock lock(sync_mu_);
  while (!stopping_) {
    sync_cv_.wait_for(lock, 1s,
                      [&] { return flush_requested_ || shapes_changed_ || stopping_.load(); });
    if (stopping_) break;
    flush_requested_ = false;
    const bool shapes = std::exchange(shapes_changed_, false);
    lock.unlock();
    try {
      if (shapes && leader()) resubscribe_if_changed();
      if (leader()) flush();
      presence_->renew_if_due(std::chrono::steady_clock::now());
    } catch (const std::exception& e) {  // the next tick tries again
      std::cerr << "syncline client: flush: " << e.what() << "\n";
    }
    lock.lock();
  }
}

void Client::flush() {
  std::lock_guard lock(flush_mu_);
  flush_locked();
}

void Client::flush_locked() {
  if (!live_ || stopping_) return;
  tl_no_blocking_flush = true;
  struct Reset {
    ~Reset() { tl_no_blocking_flush = false; }
  } reset;  // upstream first: only a caught-up cache judges conflicts
  for (const auto& e : outbox_->entries(opts_.org_id))
    if (e.state != "conflicted" && !send(e.id)) break;  // keep the order: retry later
}

bool Client::send(std::int64_t entry_id) {
  // Claimed atomically: from here on no squash or merge can change what is sent.
  auto e = outbox_->claim(entry_id);
  if (!e) return true;  // gone or conflicted meanwhile
  bool manual, merges_text;
  {
    std::lock_guard lock(mu_);
    manual = manual_.count({e->key.entity_type, e->field}) > 0;
    merges_text = merges_text_.count({e->key.entity_type, e->field}) > 0;
  }
  // Offline edits and manual fields are kept for the user; others: the server wins.
  auto lose = [&](const json::value& server, const std::optional<std::string>& server_tx) {
    if (e->offline || manual)
      outbox_->conflict(e->id, server, server_tx);
    else
      outbox_->done(e->id);
    set_state(e->transaction_id, MutationState::kConflicted);
  };
  // A merge: text field is judged by the server, which merges a stale edit (DESIGN §21).
  if (e->kind == "update" && e->state == "queued" && !merges_text) {
    // OFFLINE-011: the cache is caught up; another transaction on this field since the edit
    // was made is a conflict. Our own txId there means the write already landed.
    auto cached = store_->get(e->key);
    auto current = cached ? cached->transaction_of(e->field) : std::nullopt;
    if (current && current != e->expected_transaction_id && current != e->transaction_id) {
      auto* v = cached->data.if_contains(e->field);
      lose(v ? *v : json::value(nullptr), current);
      return true;
    }
  }
  {
    std::lock_guard lock(mu_);
    first_sent_at_reload_.try_emplace(e->transaction_id, reloads_);
  }
  auto base = path_of(e->key.entity_type);
  ApiResponse r;
  if (e->kind == "create") {
    r = call("POST", base,
             json::object{{"data", e->value}, {"tx", tx_of(e->transaction_id, {}, {})}});
  } else if (e->kind == "update") {
    r = call("PATCH", base + "/" + e->key.entity_id,
             json::object{{"data", json::object{{e->field, e->value}}},
                          {"tx", tx_of(e->transaction_id, e->field, e->expected_transaction_id)}});
  } else {
    r = call("DELETE", base + "/" + e->key.entity_id,
             json::object{{"tx", tx_of(e->transaction_id, {}, e->expected_transaction_id)}});
  }
  // No answer, overload or an expired session: the entry stays (as sent) for a retry with the
  // same txId, which the server answers 200 if it had applied it.
  if (r.status == 0 || r.status >= 500 || r.status == 429 || r.status == 401) return false;
  const json::object* err = error_of(r);
  bool streamed;
  {
    std::lock_guard lock(mu_);
    streamed = streamed_tx_.count(e->transaction_id) > 0;
  }
  if (r.ok()) {
    // Once the stream delivered this write, the cache is at least as new as the response
    // (a later delete must not be undone by it).
    if (!streamed && e->kind == "delete")
      store_->remove(e->key);
    else if (!streamed)
      put_from(e->key.entity_type, r.body);
    outbox_->done(e->id);
    // Merged: the server holds more than what was sent. An edit queued behind it, made from
    // what was sent, is sent against the sent entry's base so the server merges it too,
    // instead of overwriting the merge (DESIGN §21).
    if (e->kind == "update" && r.body.is_object() && r.body.as_object().if_contains("merged"))
      outbox_->expect_again(e->key, e->field, e->transaction_id, e->expected_transaction_id);
    set_state(e->transaction_id, MutationState::kSent);
    std::lock_guard lock(mu_);
    if (auto f = first_sent_at_reload_.find(e->transaction_id);
        f != first_sent_at_reload_.end() && f->second < reloads_)
      set_state(e->transaction_id, MutationState::kConfirmed);
  } else if (r.status == 409 && err && str(*err, "code") == "FIELD_CONFLICT") {
    put_from(e->key.entity_type, r.body);  // the 409 carries the current entity
    auto* sv = err->if_contains("serverValue");
    auto stx = str(*err, "serverTransactionId");
    lose(sv ? *sv : json::value(nullptr),
         stx.empty() ? std::nullopt : std::optional<std::string>(stx));
  } else {
    outbox_->done(e->id);  // rejected: dropping it rolls the view back
    {
      std::lock_guard lock(mu_);
      if (failures_.size() >= 1000) failures_.clear();  // bounded: only recent ones are asked
      failures_[e->transaction_id] =
          std::to_string(r.status) +
          (err ? " " + str(*err, "code") + ": " + str(*err, "message") : std::string());
    }
    set_state(e->transaction_id, MutationState::kFailed);
  }
  return true;
}

void Client::set_state(const std::string& tx, MutationState s, bool from_leader) {
  std::function<void(const std::string&, MutationState)> cb;
  {
    std::lock_guard lock(mu_);
    if (from_leader && !states_.count(tx)) return;  // another process's mutation
    // The stream may deliver our own change before the HTTP response arrives.
    if (s == MutationState::kSent && streamed_tx_.count(tx)) s = MutationState::kConfirmed;
    if (s == MutationState::kSent && states_[tx] == MutationState::kConfirmed) return;
    states_[tx] = s;
    if (s != MutationState::kSent && s != MutationState::kPending) first_sent_at_reload_.erase(tx);
    cb = on_mutation_;
  }
  if (!from_leader && leader())  // followers learn how their queued mutations went
    link_->broadcast({{"t", "result"}, {"tx", tx}, {"state", to_string(s)}});
  {
    // A later transition (the stream's confirmation) may have been reported meanwhile:
    // callbacks never go backwards.
    std::lock_guard lock(mu_);
    if (states_[tx] != s) return;
  }
  if (cb) cb(tx, s);
}

// A reset means the stream's history broke (new slot after a failover, truncate): a write
// the old slot never decoded is never streamed, so its confirmation would never come. Every
// write acknowledged by then committed either before the new slot's consistent point (the
// reload, which starts after the epoch became current, read it or something newer) or after
// it (the stream carries it): either way the cache reflects it. So a mutation first sent
// before this reload completed is confirmed by the reload if its 2xx came already, else by
// its 2xx (send above). One first sent later is confirmed by the stream as usual.
void Client::confirm_by_reload() {
  ++reloads_;
  std::vector<std::string> sent;
  for (const auto& [tx, at] : first_sent_at_reload_)
    if (auto st = states_.find(tx);
        at < reloads_ && st != states_.end() && st->second == MutationState::kSent)
      sent.push_back(tx);
  for (const auto& tx : sent) set_state(tx, MutationState::kConfirmed);
}

void Client::reconcile_sent_entries() {
  for (const auto& e : outbox_->entries(opts_.org_id)) {
    if (e.state != "sent") continue;
    const auto cached = store_->get(e.key);
    bool landed = false;
    if (cached)
      for (const auto& kv : cached->field_tx)
        landed = landed || (kv.value().is_string() && kv.value().as_string() == e.transaction_id);
    if (landed) {
      outbox_->done(e.id);
      set_state(e.transaction_id, MutationState::kConfirmed);
      continue;
    }
    // Its wall time (the id's first 13 digits, ms) before the ledger's horizon: the server may
    // have applied it and forgotten, so sending it again could apply it twice.
    const auto wall = parse_id(e.transaction_id.substr(0, 13));
    if (ledger_from_ > 0 && wall && *wall < ledger_from_) {
      outbox_->conflict(e.id, cached ? json::value(cached->data) : json::value(nullptr),
                        std::nullopt);
      set_state(e.transaction_id, MutationState::kConflicted);
    }
  }
}

std::optional<std::string> Client::failure(const std::string& tx_id) const {
  std::lock_guard lock(mu_);
  auto it = failures_.find(tx_id);
  if (it == failures_.end()) return std::nullopt;
  return it->second;
}

std::optional<MutationState> Client::state(const std::string& tx_id) const {
  std::lock_guard lock(mu_);
  std::string tx = tx_id;
  for (int hops = 0; hops < 64; ++hops) {  // absorbed ids follow their carrier
    auto a = alias_.find(tx);
    if (a == alias_.end()) break;
    tx = a->second;
  }
  auto it = states_.find(tx);
  if (it == states_.end()) return std::nullopt;
  return it->second;
}

void Client::on_mutation(std::function<void(const std::string& tx, MutationState)> cb) {
  std::lock_guard lock(mu_);
  on_mutation_ = std::move(cb);
}

void Client::set_manual(const std::string& type, const std::string& field) {
  std::lock_guard lock(mu_);
  manual_.insert({type, field});
}

std::vector<Conflict> Client::conflicts() const {
  std::vector<Conflict> out;
  for (auto& e : outbox_->entries(opts_.org_id))
    if (e.state == "conflicted")
      out.push_back({e.id, e.key, e.field, e.value, e.server_value, e.transaction_id,
                     e.server_transaction_id.value_or("")});
  return out;
}

std::optional<std::string> Client::resolve(std::int64_t id, Resolution r,
                                           const json::value& merged) {
  auto e = outbox_->find(id);
  if (!e || e->state != "conflicted" || e->key.org_id != opts_.org_id) return std::nullopt;
  if (r == Resolution::kKeepServer) {  // the cache already holds the server's value
    outbox_->done(id);
    return std::string();
  }
  // Rebase on what the server holds now (the cache may know a newer write than the conflict).
  auto expected = store_->expected_transaction_id(e->key, e->field);
  if (!expected) expected = e->server_transaction_id;
  auto tx = hlc_.create_transaction_id();
  set_state(tx, MutationState::kPending);
  outbox_->rebase(id, r == Resolution::kMerge ? merged : e->value, tx, expected);
  {
    std::lock_guard lock(mu_);
    alias_[e->transaction_id] = tx;
  }
  after_enqueue({});
  return tx;
}

}  // namespace syncline::client
