#include "syncline/client.h"

#include <boost/json/parse.hpp>
#include <charconv>
#include <filesystem>

namespace syncline::client {

namespace json = boost::json;

namespace {
std::string plural(const std::string& type) {
  return type + "s";
}  // page -> pages

// Bytes from the network never throw on the stream thread: malformed input is skipped.
std::optional<json::object> parse_object(const std::string& text) {
  boost::system::error_code ec;
  auto v = json::parse(text, ec);
  if (ec || !v.is_object()) return std::nullopt;
  return std::move(v.as_object());
}

std::optional<std::int64_t> parse_id(const std::string& s) {
  std::int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

// The `tx` half of the {data, tx} wrapper (DESIGN §4).
json::object tx_of(const std::string& tx, const std::string& source,
                   const std::optional<std::string>& field,
                   const std::optional<std::string>& expected) {
  return {{"transactionId", tx},
          {"sourceId", source},
          {"changedField", field ? json::value(*field) : nullptr},
          {"expectedTransactionId", expected ? json::value(*expected) : nullptr}};
}

std::string str(const json::object& o, const char* k) {
  auto* v = o.if_contains(k);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}
}  // namespace

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
    : opts_(std::move(o)), api_(opts_.host, opts_.port), hlc_(make_source_id()) {
  api_.set_token(opts_.token);
  std::filesystem::create_directories(opts_.data_dir);
  store_ = std::make_unique<LocalStore>(opts_.data_dir + "/cache.db");
  network_ = std::make_unique<NetworkStatus>(
      [this]() -> std::optional<NetworkStatus::Clock::duration> {
        auto started = NetworkStatus::Clock::now();
        auto r = api_.call("HEAD", "/health");
        if (r.status != 200) return std::nullopt;
        return NetworkStatus::Clock::now() - started;
      },
      opts_.probe_interval);
}

ApiResponse Client::call(const std::string& method, const std::string& target,
                         const std::optional<json::value>& body) {
  auto r = api_.call(method, target, body);
  network_->report(r.status != 0);  // any answer means the server is reachable
  return r;
}

Client::~Client() {
  stop();
}

bool Client::start(std::chrono::milliseconds timeout) {
  network_->start();
  auto stored = store_->offset(opts_.org_id);
  LiveStream::Options so{opts_.host, opts_.port, opts_.token, opts_.org_id,
                         stored ? std::to_string(*stored) : "now"};
  stream_ = std::make_unique<LiveStream>(so, [this](const SseMessage& m) { on_message(m); });
  stream_->start();
  auto deadline = std::chrono::steady_clock::now() + timeout;
  {
    // The barrier: subscribed (buffering) before anything is loaded.
    std::unique_lock<std::recursive_mutex> lock(mu_);
    if (!cv_.wait_until(lock, deadline, [&] { return subscribed_; })) return false;
  }
  if (!stored) load_lists();
  std::unique_lock<std::recursive_mutex> lock(mu_);
  for (const auto& m : buffered_)
    if (auto msg = m.event == "change" ? parse_object(m.data) : std::nullopt) apply_change(*msg);
  buffered_.clear();
  hydrating_ = false;
  return true;
}

void Client::stop() {
  if (stream_) stream_->stop();
  network_->stop();
}

void Client::load_lists() {
  if (before_list_load) before_list_load();
  for (const char* type : {"page", "attachment"}) {
    std::string cursor;
    for (;;) {
      auto r = call("GET", "/organizations/" + opts_.org_id + "/" + plural(type) + "?limit=500" +
                               (cursor.empty() ? "" : "&cursor=" + cursor));
      if (!r.ok() || !r.body.is_object()) break;
      auto& body = r.body.as_object();
      if (!body["items"].is_array()) break;
      for (const auto& item : body["items"].as_array()) put_from(type, item);
      if (!body["nextCursor"].is_string()) break;
      cursor = std::string(body["nextCursor"].as_string());
    }
  }
  loaded_lists_ = true;
}

void Client::put_from(const std::string& type, const json::value& rep) {
  if (!rep.is_object()) return;
  const auto& o = rep.as_object();
  const auto* data = o.if_contains("data");
  if (!data || !data->is_object()) return;
  const auto& d = data->as_object();
  EntityKey key{opts_.org_id, type, str(d, "id")};
  const auto* ftx = o.if_contains("fieldTx");
  store_->put({key, d, ftx && ftx->is_object() ? ftx->as_object() : json::object{}});
  for (const auto& kv : (ftx && ftx->is_object() ? ftx->as_object() : json::object{}))
    if (kv.value().is_string()) hlc_.receive(kv.value().as_string());
}

void Client::on_message(const SseMessage& m) {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  if (m.event == "offset") {
    subscribed_ = true;
    if (reload_after_subscribe_) {  // subscribed again after a reset: now reload the lists
      reload_after_subscribe_ = false;
      load_lists();
    }
    if (auto id = parse_id(m.last_event_id); id && !hydrating_)
      store_->set_offset(opts_.org_id, *id);
    cv_.notify_all();
    return;
  }
  if (m.event == "reset") {  // the offset predates the sync epoch: reload from scratch
    store_->clear_org(opts_.org_id);
    reload_after_subscribe_ = true;
    stream_->restart_from("now");
    return;
  }
  if (m.event != "change") return;
  if (hydrating_) {
    buffered_.push_back(m);
    return;
  }
  if (auto msg = parse_object(m.data)) apply_change(*msg);
}

// Called with mu_ held.
void Client::apply_change(const json::object& msg) {
  auto type = str(msg, "entityType"), id = str(msg, "entityId");
  EntityKey key{opts_.org_id, type, id};
  const auto* data = msg.if_contains("data");
  if (!data || data->is_null()) {
    store_->remove(key);
  } else if (data->is_object()) {
    const auto* ftx = msg.if_contains("fieldTx");
    store_->put(
        {key, data->as_object(), ftx && ftx->is_object() ? ftx->as_object() : json::object{}});
  }
  if (auto* a = msg.if_contains("activityId"); a && a->is_int64())
    store_->set_offset(opts_.org_id, a->as_int64());
  if (auto* tx = msg.if_contains("tx"); tx && tx->is_object()) {
    auto tid = str(tx->as_object(), "transactionId");
    hlc_.receive(tid);
    streamed_tx_.insert(tid);
    if (auto s = states_.find(tid); s != states_.end() && s->second == MutationState::kSent) {
      s->second = MutationState::kConfirmed;
      if (on_mutation_) on_mutation_(tid, MutationState::kConfirmed);
    }
  }
}

std::optional<json::object> Client::get(const std::string& type, const std::string& id) const {
  EntityKey key{opts_.org_id, type, id};
  auto e = store_->get(key);
  std::lock_guard<std::recursive_mutex> lock(mu_);
  std::optional<json::object> out;
  if (e) out = e->data;
  for (const auto& [k, v] : overlay_) {
    if (!(k.first == key)) continue;
    if (!out) out = json::object{{"id", id}};
    (*out)[k.second] = v;
  }
  return out;
}

void Client::set_state(const std::string& tx, MutationState s) {
  std::function<void(const std::string&, MutationState)> cb;
  {
    std::lock_guard<std::recursive_mutex> lock(mu_);
    // The stream may deliver our own change before the HTTP response arrives.
    if (s == MutationState::kSent && streamed_tx_.count(tx)) s = MutationState::kConfirmed;
    states_[tx] = s;
    cb = on_mutation_;
  }
  if (cb) cb(tx, s);
}

std::string Client::create(const std::string& type, json::object data) {
  EntityKey key{opts_.org_id, type, str(data, "id")};
  {
    std::lock_guard<std::recursive_mutex> lock(mu_);
    for (const auto& kv : data) overlay_[{key, std::string(kv.key())}] = kv.value();
  }
  auto tx = hlc_.create_transaction_id();
  set_state(tx, MutationState::kPending);
  json::object body{{"data", data},
                    {"tx", tx_of(tx, hlc_.source_id(), std::nullopt, std::nullopt)}};
  auto r = call("POST", "/organizations/" + opts_.org_id + "/" + plural(type), body);
  {
    std::lock_guard<std::recursive_mutex> lock(mu_);
    for (const auto& kv : data) overlay_.erase({key, std::string(kv.key())});
  }
  if (r.ok()) {
    put_from(type, r.body);
    set_state(tx, MutationState::kSent);
  } else {
    set_state(tx, MutationState::kFailed);  // rolled back: the overlay is gone
  }
  return tx;
}

std::vector<std::string> Client::update(const std::string& type, const std::string& id,
                                        const json::object& fields) {
  std::vector<std::string> txs;
  EntityKey key{opts_.org_id, type, id};
  for (const auto& kv : fields) {  // one field per mutation (FE-MUT-010)
    std::string field(kv.key());
    {
      std::lock_guard<std::recursive_mutex> lock(mu_);
      overlay_[{key, field}] = kv.value();
    }
    auto tx = hlc_.create_transaction_id();
    auto expected = store_->expected_transaction_id(key, field);
    set_state(tx, MutationState::kPending);
    json::object body{{"data", json::object{{field, kv.value()}}},
                      {"tx", tx_of(tx, hlc_.source_id(), field, expected)}};
    auto r = call("PATCH", "/organizations/" + opts_.org_id + "/" + plural(type) + "/" + id, body);
    bool manual;
    {
      std::lock_guard<std::recursive_mutex> lock(mu_);
      manual = manual_.count({type, field}) > 0;
    }
    const json::object* err = nullptr;
    if (r.body.is_object())
      if (auto* e = r.body.as_object().if_contains("error"); e && e->is_object())
        err = &e->as_object();
    if (r.ok()) {
      put_from(type, r.body);
      std::lock_guard<std::recursive_mutex> lock(mu_);
      overlay_.erase({key, field});
    } else if (r.status == 409 && err && str(*err, "code") == "FIELD_CONFLICT") {
      put_from(type, r.body);  // the 409 carries the current entity: the server value wins
      std::lock_guard<std::recursive_mutex> lock(mu_);
      if (manual) {
        conflicts_.push_back({key, field, kv.value(),
                              err->contains("serverValue") ? err->at("serverValue") : nullptr,
                              str(*err, "serverTransactionId")});
      }
      overlay_.erase({key, field});
    } else {
      std::lock_guard<std::recursive_mutex> lock(mu_);
      overlay_.erase({key, field});  // rollback
    }
    set_state(tx, r.ok()            ? MutationState::kSent
                  : r.status == 409 ? MutationState::kConflicted
                                    : MutationState::kFailed);
    txs.push_back(tx);
  }
  return txs;
}

std::string Client::remove(const std::string& type, const std::string& id) {
  auto tx = hlc_.create_transaction_id();
  set_state(tx, MutationState::kPending);
  json::object body{{"tx", tx_of(tx, hlc_.source_id(), std::nullopt, std::nullopt)}};
  auto r = call("DELETE", "/organizations/" + opts_.org_id + "/" + plural(type) + "/" + id, body);
  if (r.ok()) store_->remove({opts_.org_id, type, id});
  set_state(tx, r.ok() ? MutationState::kSent : MutationState::kFailed);
  return tx;
}

std::optional<MutationState> Client::state(const std::string& tx_id) const {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  auto it = states_.find(tx_id);
  if (it == states_.end()) return std::nullopt;
  return it->second;
}

void Client::on_mutation(std::function<void(const std::string& tx, MutationState)> cb) {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  on_mutation_ = std::move(cb);
}

void Client::set_manual(const std::string& type, const std::string& field) {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  manual_.insert({type, field});
}

std::vector<Conflict> Client::conflicts() const {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  return conflicts_;
}

}  // namespace syncline::client
