#include "presence/relay.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <vector>

#include "common/metrics.h"
#include "db/array.h"
#include "presence/store.h"

namespace syncline::presence {

namespace {
using namespace std::chrono_literals;
// A batch at most this often. DESIGN §21 names 50 ms; with a change waiting up to one tick that
// leaves no room for the p99 ≤ 50 ms goal, so 25 ms: still ≤ 40 NOTIFY statements a second.
constexpr auto kTick = 25ms;
constexpr auto kPerPresence = 100ms;  // one announcement per presence at most this often
constexpr auto kSweepEvery = 1s;
constexpr int kSweepBatch = 1000;

std::atomic<Relay*> g_relay{nullptr};

// A newer change of the same presence not yet sent replaces the pending one; a join stays a
// join (nobody has seen it yet).
void coalesce(wire::PresenceChange& pending, wire::PresenceChange next) {
  const bool join =
      pending.action == wire::PresenceAction::kJoin && next.action == wire::PresenceAction::kUpdate;
  pending = std::move(next);
  if (join) pending.action = wire::PresenceAction::kJoin;
}
}  // namespace

Relay* node_relay() {
  return g_relay.load();
}
void set_node_relay(Relay* r) {
  g_relay.store(r);
}

void Relay::start() {
  thread_ = std::thread([this] { run(); });
}

void Relay::stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

void Relay::announce(wire::PresenceChange change) {
  const auto key = change.org_id + '\x1f' + change.key();
  MutexLock lock(mu_);
  auto last = last_sent_.find(key);
  const auto due = last == last_sent_.end() ? Clock::now() : last->second + kPerPresence;
  auto [it, fresh] = pending_.try_emplace(key, Pending{change, due});
  if (!fresh) coalesce(it->second.change, std::move(change));
}

void Relay::flush(db::Connection& c) {
  std::vector<wire::PresenceChange> due;
  const auto now = Clock::now();
  {
    MutexLock lock(mu_);
    for (auto it = pending_.begin(); it != pending_.end();) {
      if (it->second.due > now) {
        ++it;
        continue;
      }
      last_sent_[it->first] = now;
      due.push_back(std::move(it->second.change));
      it = pending_.erase(it);
    }
    std::erase_if(last_sent_, [&](const auto& kv) { return kv.second + kPerPresence < now; });
  }
  if (due.empty()) return;
  auto payloads = encode_presence(due);
  std::vector<std::optional<std::string>> items(payloads.begin(), payloads.end());
  try {
    c.exec("SELECT pg_notify($1, p) FROM unnest($2::text[]) AS p",
           {wire::kPresenceChannel, db::array_literal(items)});
  } catch (...) {  // back to pending unless a newer change of the same presence came, rethrow
    requeue(std::move(due));
    throw;
  }
}

void Relay::requeue(std::vector<wire::PresenceChange> unsent) {
  MutexLock lock(mu_);
  for (auto& ch : unsent) {
    const auto key = ch.org_id + '\x1f' + ch.key();
    pending_.try_emplace(key, Pending{std::move(ch), Clock::now()});  // a newer one stays
  }
}

void Relay::sweep(db::Connection& c) {
  for (auto& leave : presence::sweep(c, kSweepBatch)) announce(std::move(leave));
}

void Relay::run() {
  auto next_sweep = Clock::now();
  while (!stop_) {
    try {
      db::Connection c(cfg_.database_url,
                       "-c statement_timeout=10s -c application_name=syncline:presence");
      auto next_tick = Clock::now();
      while (!stop_) {
        if (Clock::now() >= next_sweep) {
          sweep(c);
          next_sweep = Clock::now() + kSweepEvery;
        }
        flush(c);
        // A fixed cadence: the flush's own time does not stretch the period.
        next_tick = std::max(next_tick + kTick, Clock::now());
        std::this_thread::sleep_until(next_tick);
      }
    } catch (const std::exception& e) {
      spdlog::warn("presence: {}; reconnecting", e.what());
      count(Degraded::kPresenceReconnect);
      for (int i = 0; i < 10 && !stop_; ++i) std::this_thread::sleep_for(100ms);
    }
  }
}

}  // namespace syncline::presence
