// Client: shapes (DESIGN §16). The machine's clients of an org record their shapes in the shared
// cache ("*" for one that shows the whole org); the leader's stream carries their union, and a
// shape not yet hydrated is listed behind the barrier of a stream that already carries it:
//   1. the stream (re)opens with the union, at the last position applied, and buffers;
//   2. each new shape is listed (GET …?shape=) into the cache and marked hydrated;
//   3. the buffer is applied in order; live.
// So nothing written meanwhile is missed: it is in the buffer, or in the catch-up after the
// position, both with the new union. Each client's listeners see only its own shapes
// (LocalStore::set_view): the machine's cache holds the union.
#include <boost/json/serialize.hpp>
#include <iostream>

#include "client_internal.h"
#include "common/json_text.h"
#include "machine_link.h"
#include "syncline/client.h"

namespace syncline::client {

namespace json = boost::json;

namespace {
constexpr const char* kWholeOrg = "*";
}  // namespace

void Client::register_shapes() {
  std::lock_guard lock(shapes_mu_);
  if (shapes_.empty()) store_->add_shape(opts_.org_id, kWholeOrg);
  for (const auto& s : shapes_) store_->add_shape(opts_.org_id, json_text(s));
}

bool Client::in_view(const std::string& type, const json::object& data) const {
  std::lock_guard lock(shapes_mu_);
  return in_any(shapes_, type, data);
}

std::string Client::machine_shape(const std::vector<LocalStore::ShapeEntry>& entries) const {
  std::vector<Shape> all;
  for (const auto& e : entries) {
    if (e.text == kWholeOrg) return "";
    if (auto o = parse_object(e.text)) all.push_back(std::move(*o));
  }
  return union_text(all).value_or("");  // none, or more than the server takes: everything
}

bool Client::own_shapes_hydrated() const {
  std::set<std::string> mine;
  {
    std::lock_guard lock(shapes_mu_);
    if (shapes_.empty()) mine.insert(kWholeOrg);
    for (const auto& s : shapes_) mine.insert(json_text(s));
  }
  for (const auto& e : store_->shapes(opts_.org_id))
    if (mine.count(e.text) && !e.hydrated) return false;
  return true;
}

// Lists what the cache does not hold yet: every shape the stream carries (`everything`: a first
// hydration, or a reload after `event: reset`), else the shapes not yet hydrated.
bool Client::hydrate_new_shapes(bool everything) {
  const auto entries = stream_entries_;  // what the stream carries; later ones wait their turn
  bool listed = false;
  snapshot_at_ = 0;
  if (everything) {
    auto at = load_snapshot(stream_shape_, Replace::kOrg);
    if (!at) return true;  // stopped or refused: not hydrated
    snapshot_at_ = *at;
    listed = true;
  } else {
    for (const auto& e : entries)
      if (!e.hydrated) {
        if (!load_snapshot(e.text == kWholeOrg ? "" : e.text, Replace::kNothing)) return true;
        listed = true;
      }
  }
  if (stopping_) return listed;  // a cut-short load is not a hydration
  for (const auto& e : entries) store_->set_shape_hydrated(opts_.org_id, e.text);
  return listed;
}

void Client::subscribe_and_hydrate(std::optional<std::int64_t> resume) {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    hydrating_ = true;
    subscribed_ = false;
    subscribed_at_.reset();
    stream_entries_ = store_->shapes(opts_.org_id);
    stream_shape_ = machine_shape(stream_entries_);
    LiveStream::Options so{opts_.host,
                           opts_.port,
                           api_.token(),
                           opts_.org_id,
                           resume ? std::to_string(*resume) : "now",
                           opts_.token_provider,
                           opts_.tls,
                           opts_.ca_file,
                           stream_shape_};
    stream_ = std::make_unique<LiveStream>(
        so,
        [this](const SseMessage& m) {
          try {
            on_message(m);
          } catch (const std::exception& e) {
            // Not applied (e.g. the cache file is locked too long): read it again from the
            // last position applied rather than skip it.
            std::cerr << "syncline client: stream message not applied: " << e.what() << "\n";
            std::lock_guard lock(mu_);
            if (auto at = last_seen_.load(); at > 0) stream_->restart_from(std::to_string(at));
          }
        },
        [this](bool connected, int) {
          if (connected || !live_.exchange(false)) return;
          link_->set_offline();  // caught up again only after the next offset
        });
    stream_->start();
  }
  {
    // The barrier: subscribed (buffering) before anything is loaded.
    std::unique_lock<StateMutex> lock(mu_);
    cv_.wait(lock, [&] { return subscribed_ || stopping_; });
    if (stopping_) return;
  }
  if (hydrate_new_shapes(!resume))
    link_->broadcast({{"t", "reload"}});  // followers: the cache was filled under them
  {
    std::unique_lock<StateMutex> lock(mu_);
    if (subscribed_at_) offsets_->set(*subscribed_at_);  // a quiet org still gets a position
    // In order; up to the snapshot's offset only the changes' transactions count (it holds
    // the rows as new or newer: an older row would take one back until its newer one came).
    // A refetch's load releases the lock; `hydrating_` still queues what arrives meanwhile.
    refetched_at_.clear();
    apply_buffered(lock);
    // A reset met meanwhile, its stream subscribed again: its reload, then what came since.
    while (reload_due_ && !stopping_) {
      reload_after_reset(lock);
      apply_buffered(lock);
    }
    hydrating_ = false;
    ready_ = true;
    live_ = true;
    cv_.notify_all();
  }
  link_->set_live();
  request_flush();  // caught up: upstream-first flush of what waited
  {
    std::lock_guard lock(sync_mu_);
    shapes_changed_ = true;  // added while this hydration ran: the sync thread looks again
  }
  sync_cv_.notify_all();
}

// The sync thread, on the leader: when the machine's union grew (a follower joined or added a
// shape, or this client did), the stream is reopened with it and the new shapes hydrated.
void Client::resubscribe_if_changed() {
  const auto entries = store_->shapes(opts_.org_id);
  bool unhydrated = false;
  for (const auto& e : entries) unhydrated = unhydrated || !e.hydrated;
  std::unique_ptr<LiveStream> old;
  std::optional<std::int64_t> resume;
  {
    std::lock_guard lock(mu_);
    // While a hydration runs, it looks again itself when done.
    if (stopping_ || !stream_ || hydrating_ || loads_outside_ > 0) return;
    if (!unhydrated && machine_shape(entries) == stream_shape_) return;
    old = std::move(stream_);
    live_ = false;
    if (auto seen = last_seen_.load(); seen > 0) resume = seen;
    if (!resume) resume = store_->offset(opts_.org_id);
  }
  link_->set_offline();
  old->stop();  // not under mu_: its thread may be waiting for it
  subscribe_and_hydrate(resume);
}

bool Client::add_shape(const Shape& shape, std::chrono::milliseconds timeout) {
  const std::string text = json_text(shape);
  {
    std::lock_guard lock(shapes_mu_);
    if (shapes_.empty()) return true;  // the whole org already
    if (std::find(shapes_.begin(), shapes_.end(), shape) == shapes_.end()) shapes_.push_back(shape);
  }
  store_->add_shape(opts_.org_id, text);
  if (leader()) {
    {
      std::lock_guard lock(sync_mu_);
      shapes_changed_ = true;
    }
    sync_cv_.notify_all();
  } else if (link_) {
    link_->request_shapes();
  }
  std::unique_lock<StateMutex> lock(mu_);
  const bool done =
      cv_.wait_for(lock, timeout, [&] { return stopping_ || (live_ && own_shapes_hydrated()); });
  // What the cache already held of it is now in this client's view.
  for (const auto& type : store_->entity_types(opts_.org_id))
    for (auto& e : store_->list(opts_.org_id, type))
      if (in_shape(shape, type, e.data)) store_->announce({e.key, e});
  return done && !stopping_;
}

std::vector<json::object> Client::list(const std::string& type) const {
  std::vector<json::object> out;
  std::set<std::string> seen;
  for (const auto& e : store_->list(opts_.org_id, type)) {
    seen.insert(e.key.entity_id);
    if (auto v = get(type, e.key.entity_id); v && in_view(type, *v)) out.push_back(std::move(*v));
  }
  // Created here and not yet on the server.
  for (const auto& q : outbox_->entries(opts_.org_id))
    if (q.kind == "create" && q.key.entity_type == type && !seen.count(q.key.entity_id))
      if (auto v = get(type, q.key.entity_id); v && in_view(type, *v)) {
        seen.insert(q.key.entity_id);
        out.push_back(std::move(*v));
      }
  return out;
}

}  // namespace syncline::client
