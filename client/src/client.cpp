// Client: lifecycle, the leader's stream and hydration, and the followers' view. Mutations,
// the flush and conflict resolution are in client_mutations.cpp.
#include "syncline/client.h"

#include <boost/json/parse.hpp>
#include <charconv>
#include <filesystem>
#include <iostream>

#include "client_internal.h"
#include "common/backoff.h"
#include "machine_link.h"
#include "private_files.h"
#include "snapshot_loader.h"

namespace syncline::client {

namespace json = boost::json;

const char* to_string(MutationState s) {
  switch (s) {
    case MutationState::kPending:
      return "pending";
    case MutationState::kSent:
      return "sent";
    case MutationState::kConfirmed:
      return "confirmed";
    case MutationState::kFailed:
      return "failed";
    case MutationState::kConflicted:
      return "conflicted";
  }
  return "?";
}

Client::Client(ClientOptions o)
    : opts_(std::move(o)),
      api_(ServerAddress{opts_.host, opts_.port, opts_.tls, opts_.ca_file}),
      hlc_(make_source_id()) {
  api_.set_token(opts_.token);
  api_.set_token_provider(opts_.token_provider);
  presence_ = std::make_unique<Presence>(api_, opts_.org_id, hlc_.source_id());
  make_private_dir(opts_.data_dir);  // SEC-048: 0700, ours
  make_private_file(opts_.data_dir +
                    "/cache.db");  // 0600 before SQLite opens it (-wal/-shm follow)
  store_ = std::make_unique<LocalStore>(opts_.data_dir + "/cache.db");
  outbox_ = std::make_unique<Outbox>(opts_.data_dir + "/cache.db");
  offsets_ = std::make_unique<OffsetWriter>(*store_, opts_.org_id);
  network_ = std::make_unique<NetworkStatus>(
      [this]() -> std::optional<NetworkStatus::Clock::duration> {
        auto started = NetworkStatus::Clock::now();
        auto r = api_.call("HEAD", "/health");
        if (r.status != 200) return std::nullopt;
        return NetworkStatus::Clock::now() - started;
      },
      opts_.probe_interval);
  shapes_ = opts_.shapes;
  if (!shapes_.empty())
    store_->set_view([this](const CachedEntity& e) { return in_view(e.key.entity_type, e.data); });
}

Client::~Client() {
  stop();
}

ApiResponse Client::call(const std::string& method, const std::string& target,
                         const std::optional<json::value>& body) {
  auto r = api_.call(method, target, body);
  network_->report(r.status != 0);  // any answer means the server is reachable
  return r;
}

bool Client::leader() const {
  return link_ && link_->leader();
}

bool Client::start(std::chrono::milliseconds timeout) {
  network_->observe([this](bool online) {
    if (!online) return;
    std::lock_guard lock(mu_);
    if (stream_) stream_->wake();  // back online: reconnect now, not after the backoff
  });
  network_->start();
  MachineLink::Hooks hooks{
      [this] { lead(); },
      [this](const json::object& msg) {
        try {
          on_leader_message(msg);
        } catch (const std::exception& e) {
          std::cerr << "syncline client: leader message not applied: " << e.what() << "\n";
        }
      },
      [this] { request_flush(); },
      [this] { live_ = false; },
      [this] { return last_seen_.load(); },
      [this] {  // leader: a follower joined or added a shape (must not block)
        {
          std::lock_guard lock(sync_mu_);
          shapes_changed_ = true;
        }
        sync_cv_.notify_all();
      },
  };
  register_shapes();  // before the election: a leader streams them from the start
  // One leader per machine and org: the names carry the org, so clients of two orgs sharing a
  // data dir never share a stream.
  link_ = std::make_unique<MachineLink>(opts_.data_dir, opts_.app + "-" + opts_.org_id,
                                        opts_.priority, hooks);
  sync_thread_ = std::thread([this] { sync_loop(); });
  link_->start();
  presence_->load();  // who is here now; the stream brings the changes
  std::unique_lock<StateMutex> lock(mu_);
  return cv_.wait_for(lock, timeout, [&] { return ready_.load() && own_shapes_hydrated(); });
}

void Client::stop() {
  if (stopping_.exchange(true)) return;
  presence_->leave();
  LiveStream* stream = nullptr;
  {
    std::lock_guard lock(mu_);
    stream = stream_.get();
    cv_.notify_all();
  }
  {
    std::lock_guard lock(wait_mu_);  // a snapshot's retry wait ends now
    wait_cv_.notify_all();
  }
  if (stream) stream->stop();  // not under mu_: its thread may be waiting for it
  {
    std::lock_guard lock(mu_);
    cv_.notify_all();  // lead() may wait for a subscription that will not come now
  }
  offsets_->flush();  // before the lock goes: the next leader resumes from here
  if (link_) link_->stop();
  {
    std::lock_guard lock(sync_mu_);
    sync_cv_.notify_all();
  }
  if (sync_thread_.joinable()) sync_thread_.join();
  network_->stop();
  offsets_->flush();
  live_ = false;
}

// This process holds the machine's leader lock: open the stream and hydrate (DESIGN §8). A
// process that was a follower resumes from the older of the stored offset and what it saw,
// so nothing written during the handoff is missed (replays are idempotent).
void Client::lead() {
  // Read now, not at construction: the previous leader flushed it when it stopped.
  std::optional<std::int64_t> resume = store_->offset(opts_.org_id);
  if (auto seen = last_seen_.load(); seen > 0 && (!resume || seen < *resume)) resume = seen;
  link_->set_origin(resume.value_or(0));
  subscribe_and_hydrate(resume);
}

bool Client::learn_schema() {
  {
    std::lock_guard lock(mu_);
    if (schema_learnt_) return true;
  }
  // Not under this function's lock (callers on the stream thread may hold mu_ already).
  auto r = call("GET", "/schema");
  if (!r.ok() || !r.body.is_object()) return false;
  std::lock_guard lock(mu_);
  const auto* types = r.body.as_object().if_contains("types");
  if (!types || !types->is_object()) return false;
  for (const auto& [name, decl] : types->as_object()) {
    if (!decl.is_object()) continue;
    const auto& d = decl.as_object();
    if (auto* p = d.if_contains("plural"); p && p->is_string())
      plurals_[std::string(name)] = std::string(p->as_string());
    if (auto* fields = d.if_contains("fields"); fields && fields->is_object())
      for (const auto& [field, spec] : fields->as_object()) {
        const auto* merge = spec.is_object() ? spec.as_object().if_contains("merge") : nullptr;
        if (!merge) continue;
        // "text": the server merges what it can; a 409 left is the user's (DESIGN §21).
        if (*merge == "manual" || *merge == "text")
          manual_.insert({std::string(name), std::string(field)});
        if (*merge == "text") merges_text_.insert({std::string(name), std::string(field)});
      }
  }
  schema_learnt_ = true;
  return true;
}

std::string Client::path_of(const std::string& type) {
  learn_schema();
  std::lock_guard lock(mu_);
  auto it = plurals_.find(type);
  return "/organizations/" + opts_.org_id + "/" + (it != plurals_.end() ? it->second : type + "s");
}

std::vector<std::string> Client::known_types() {
  std::vector<std::string> out;
  if (learn_schema()) {
    std::lock_guard lock(mu_);
    for (const auto& [type, plural] : plurals_) out.push_back(type);
    return out;
  }
  return store_->entity_types(opts_.org_id);  // offline: what the cache holds
}

std::optional<std::int64_t> Client::load_snapshot(const std::string& shape, Replace replace,
                                                  const std::string& type) {
  std::lock_guard one(load_mu_);
  if (before_list_load) before_list_load();
  // While the server answers: the routes and `manual` fields its schema declares (later
  // mutations need them, perhaps offline).
  learn_schema();
  Backoff backoff;  // failed attempts: 1 s doubling to 30 s, ±20 % (a server's Retry-After first)
  while (!stopping_) {
    // A first hydration (or a reload after a reset) replaces the org's rows: one cut short
    // before must not leave rows the server deleted meanwhile. A shape added is laid over. A
    // refetched type is replaced in place: its rows the load did not bring go at the end.
    if (replace == Replace::kOrg) store_->clear_org(opts_.org_id);
    if (replace == Replace::kType) store_->begin_type_reload(opts_.org_id, type);
    SnapshotOutcome out;
    try {
      out = syncline::client::load_snapshot(api_, opts_.org_id, shape, *store_, opts_.on_progress,
                                            stopping_);
    } catch (...) {  // the cache refused a write: no sweep, and later writes are not noted
      if (replace == Replace::kType) store_->end_type_reload(false);
      throw;
    }
    network_->report(out.status != 0);
    if (replace == Replace::kType) store_->end_type_reload(out.complete);
    if (out.complete) {
      if (!out.newest_tx.empty()) hlc_.receive(out.newest_tx);
      loaded_lists_ = true;
      ledger_from_ = out.ledger_from;
      return out.offset;
    }
    if (stopping_) break;
    std::cerr << "syncline client: snapshot not loaded (" << out.error << "), retrying\n";
    // A refusal (403, 400) is final for this stream: it closes too, and a new one starts over.
    if (out.status == 401 || out.status == 403 || out.status == 404 || out.status == 400) break;
    const auto wait = out.retry_after_s > 0 ? std::chrono::milliseconds(out.retry_after_s * 1000)
                                            : backoff.next();
    std::unique_lock lock(wait_mu_);
    wait_cv_.wait_for(lock, wait, [&] { return stopping_.load(); });
  }
  return std::nullopt;
}

void Client::put_from(const std::string& type, const json::value& rep) {
  if (!rep.is_object()) return;
  const auto& o = rep.as_object();
  const auto* data = o.if_contains("data");
  if (!data || !data->is_object()) return;
  const auto& d = data->as_object();
  EntityKey key{opts_.org_id, type, str(d, "id")};
  const auto* f = o.if_contains("fieldTx");
  CachedEntity e{key, d, f && f->is_object() ? f->as_object() : json::object{}};
  for (const auto& kv : e.field_tx)
    if (kv.value().is_string()) hlc_.receive(kv.value().as_string());
  // A response can be older than what the stream already applied: per field, the newer
  // transaction wins (HLC ids sort in time order, DATA-024).
  if (auto cached = store_->get(key)) {
    for (const auto& kv : cached->field_tx) {
      auto* mine = e.field_tx.if_contains(kv.key());
      if (!kv.value().is_string() ||
          (mine && mine->is_string() && mine->as_string() >= kv.value().as_string()))
        continue;
      e.field_tx[kv.key()] = kv.value();
      if (auto* v = cached->data.if_contains(kv.key())) e.data[kv.key()] = *v;
    }
  }
  store_->put(e);
}

void Client::outside_lock(std::unique_lock<StateMutex>& lock, const std::function<void()>& load) {
  struct Relock {  // also when `load` throws: the stream must not stay held back
    Client& c;
    std::unique_lock<StateMutex>& lock;
    ~Relock() {
      lock.lock();
      if (--c.loads_outside_ > 0 || c.hydrating_) return;
      // A shape added meanwhile found the stream busy: the sync thread looks again.
      std::lock_guard sync(c.sync_mu_);
      c.shapes_changed_ = true;
      c.sync_cv_.notify_all();
    }
  };
  ++loads_outside_;
  Relock relock{*this, lock};
  lock.unlock();
  load();
}

void Client::reload_after_reset(std::unique_lock<StateMutex>& lock) {
  reload_due_ = false;
  outside_lock(lock, [&] { hydrate_new_shapes(true); });  // everything the stream carries
  confirm_by_reload();
  reconcile_sent_entries();
}

void Client::apply_buffered(std::unique_lock<StateMutex>& lock) {
  // Stopping: the rest is not applied, so the stored offset stays before it (replayed later).
  for (std::size_t i = 0; i < buffered_.size() && !stopping_; ++i) {
    const SseMessage m = buffered_[i];  // a copy: the buffer may grow meanwhile
    apply_message(m, lock);
  }
  buffered_.clear();
}

// The leader's stream thread.
void Client::on_message(const SseMessage& m) {
  tl_no_blocking_flush = true;
  std::unique_lock<StateMutex> lock(mu_);
  if (stopping_) return;  // not applied, so not passed: the next start reads it again
  if (m.event == "offset") {
    subscribed_ = true;
    if (hydrating_ && !subscribed_at_) subscribed_at_ = parse_id(m.last_event_id);
    // Subscribed again after a reset: now reload. A hydration running does it when its own
    // load is done (two loads must not interleave, nor its buffer be applied against ours).
    if (std::exchange(reload_after_subscribe_, false)) reload_due_ = true;
    if (reload_due_ && !hydrating_) reload_after_reset(lock);
    if (auto id = parse_id(m.last_event_id); id && !hydrating_) offsets_->set(*id);
    if (!hydrating_ && !live_) {
      live_ = true;  // caught up after a (re)connect: the outbox may go now
      link_->set_live();
      request_flush();
    }
    cv_.notify_all();
    return;
  }
  if (m.event == "reset") {  // the offset predates the sync epoch: reload from scratch
    store_->clear_org(opts_.org_id);
    reload_after_subscribe_ = true;
    stream_->restart_from("now");
    return;
  }
  if (m.event == "presence") {  // DESIGN §21: not in the log; to this process and the others
    if (auto p = parse_object(m.data)) presence_->apply(*p);
    link_->broadcast({{"t", "presence"}, {"data", m.data}});
    return;
  }
  if (m.event != "change" && m.event != "refetch") return;
  if (hydrating_ || hold_ || loads_outside_ > 0) {
    buffered_.push_back(m);
    return;
  }
  apply_message(m, lock);
}

// Under mu_. A change, or a bulk change of a type (`refetch`, DESIGN §18): that type is loaded
// again from a snapshot within the stream's shape, replacing its rows; followers reload.
void Client::apply_message(const SseMessage& m, std::unique_lock<StateMutex>& lock) {
  auto msg = parse_object(m.data);
  if (!msg) return;
  const auto id = activity_id(*msg);
  const auto type = str(*msg, "entityType");
  if (m.event == "refetch") {
    if (id && *id <= snapshot_at_) return;  // the snapshot is newer
    if (auto shape = shape_of_type(stream_shape_, type)) {
      std::optional<std::int64_t> at;
      outside_lock(lock, [&] { at = load_snapshot(*shape, Replace::kType, type); });
      // Not loaded, so not passed. Stopped: the next start resumes before the marker. Refused
      // (the session expired, access went): the stream reads again from before it.
      if (!at) {
        if (auto seen = last_seen_.load(); seen > 0 && !stopping_ && stream_)
          stream_->restart_from(std::to_string(seen));
        return;
      }
      refetched_at_[type] = *at;
      link_->broadcast({{"t", "reload"}});
    }
    if (id) {
      offsets_->set(*id);
      if (*id > last_seen_) last_seen_ = *id;
    }
    return;
  }
  // A snapshot past this change holds the row already (as new or newer): only its transaction
  // and position count.
  const auto refetched = refetched_at_.find(type);
  const bool stale =
      id && (*id <= snapshot_at_ || (refetched != refetched_at_.end() && *id <= refetched->second));
  apply_change(*msg, true, stale);
  link_->broadcast({{"t", "sse"}, {"data", m.data}}, id);
}

void Client::hold_stream_for_test(bool hold) {
  std::unique_lock<StateMutex> lock(mu_);
  if (hold || hydrating_) {
    hold_ = hold;
    return;
  }
  // Held back until the buffer is applied: a refetch's load releases the lock, and what the
  // stream brings meanwhile must queue behind it.
  apply_buffered(lock);
  hold_ = false;
}

// A follower's line from the leader (the link's thread).
void Client::on_leader_message(const json::object& msg) {
  tl_no_blocking_flush = true;  // listeners run on the link's thread
  auto t = str(msg, "t");
  if (t == "live") {
    std::lock_guard lock(mu_);
    ready_ = true;
    live_ = true;
    cv_.notify_all();
  } else if (t == "offline") {
    live_ = false;  // edits made now are offline edits: their conflicts are kept
  } else if (t == "reload") {
    std::lock_guard lock(mu_);
    for (const auto& type : store_->entity_types(opts_.org_id))
      for (auto& e : store_->list(opts_.org_id, type)) store_->announce({e.key, e});
    cv_.notify_all();  // a shape this client waits for may be hydrated now
  } else if (t == "sse") {
    auto change = parse_object(str(msg, "data"));
    if (!change) return;
    std::lock_guard lock(mu_);
    auto id = activity_id(*change);
    if (id && *id <= last_seen_) return;  // a new leader replays from an older position
    apply_change(*change, false);
  } else if (t == "presence") {
    if (auto p = parse_object(str(msg, "data"))) presence_->apply(*p);
  } else if (t == "result") {
    if (auto s = parse_state(str(msg, "state"))) set_state(str(msg, "tx"), *s, true);
  }
}

// Called with mu_ held. `write`: the leader puts it in the shared cache; a follower only tells
// its listeners (the leader already wrote it).
void Client::apply_change(const json::object& msg, bool write, bool row_is_stale) {
  EntityKey key{opts_.org_id, str(msg, "entityType"), str(msg, "entityId")};
  const auto* data = msg.if_contains("data");
  std::optional<CachedEntity> entity;
  if (data && data->is_object()) {
    const auto* ftx = msg.if_contains("fieldTx");
    entity = CachedEntity{key, data->as_object(),
                          ftx && ftx->is_object() ? ftx->as_object() : json::object{}};
  }
  if (row_is_stale)
    ;  // the cache holds a newer row already (a snapshot past this change)
  else if (write && entity)
    store_->put(*entity);
  else if (write && (!data || data->is_null()))
    store_->remove(key);
  else if (!write)
    store_->announce({key, entity});
  if (auto id = activity_id(msg)) {
    if (write) offsets_->set(*id);
    if (*id > last_seen_) last_seen_ = *id;
  }
  if (auto* tx = msg.if_contains("tx"); tx && tx->is_object()) {
    auto tid = str(tx->as_object(), "transactionId");
    hlc_.receive(tid);
    // Applied: a response lost in a crash is moot. An entry of this machine's outbox (made by
    // this process, or queued by an earlier one and sent by this one) is remembered as
    // streamed, so its 2xx arriving after the echo confirms it instead of leaving it `sent`.
    const bool ours = write && outbox_->done_by_tx(tid);
    if (ours || tid.ends_with("." + hlc_.source_id())) streamed_tx_.insert(tid);
    // Pending too: a follower whose result line was lost (leader killed) still learns it.
    if (auto s = states_.find(tid); s != states_.end() && (s->second == MutationState::kSent ||
                                                           s->second == MutationState::kPending)) {
      s->second = MutationState::kConfirmed;
      first_sent_at_reload_.erase(tid);
      if (on_mutation_) on_mutation_(tid, MutationState::kConfirmed);
    }
  }
}

std::optional<json::object> Client::get(const std::string& type, const std::string& id) const {
  EntityKey key{opts_.org_id, type, id};
  auto e = store_->get(key);
  std::optional<json::object> out;
  if (e) out = e->data;
  for (const auto& q : outbox_->of_entity(key)) {  // queued edits, in the order made
    if (q.state == "conflicted") continue;         // shown by conflicts(), not in the view
    if (q.kind == "create" && !out && q.value.is_object())
      out = q.value.as_object();
    else if (q.kind == "update")
      (out ? *out : out.emplace(json::object{{"id", id}}))[q.field] = q.value;
    else if (q.kind == "delete")
      out.reset();
  }
  return out;
}

}  // namespace syncline::client
