#include "auth/hash_gate.h"

#include <algorithm>

#include "common/error.h"

namespace syncline::auth {

namespace {
Error busy(const std::string& why) {
  return too_many_requests("RATE_LIMITED", why, 1);
}
}  // namespace

HashGate& HashGate::instance() {
  static HashGate gate;
  return gate;
}

Result<HashGate::Turn> HashGate::take(const std::string& client) {
  if (auto r = enter(client); !r) return r.error();
  return Turn(this);
}

HashGate::Turn::~Turn() {
  if (gate_) gate_->leave();
}

Result<void> HashGate::enter(const std::string& client) {
  UniqueLock lock(mu_);
  if (free_ > 0 && waiting_ == 0) {
    --free_;
    return {};
  }
  auto& q = queues_[client];
  if (q.size() >= kPerClientWaiting || waiting_ >= kMaxWaiting) {
    if (q.empty()) queues_.erase(client);
    return busy("too many sign-ins at once from here; retry shortly");
  }
  Waiter w;
  q.push_back(&w);
  if (q.size() == 1) ring_.push_back(client);
  ++waiting_;
  if (lock.wait_for(cv_, kMaxWait, [&] { return w.granted; })) return {};  // the slot is ours
  // Timed out: leave the queue (the waiter is still in it: it was not granted).
  auto& mine = queues_[client];
  mine.erase(std::find(mine.begin(), mine.end(), &w));
  --waiting_;
  if (mine.empty()) {
    queues_.erase(client);
    ring_.erase(std::find(ring_.begin(), ring_.end(), client));
  }
  return busy("sign-in is busy; retry shortly");
}

std::size_t HashGate::waiting() const {
  MutexLock lock(mu_);
  return waiting_;
}

void HashGate::leave() {
  MutexLock lock(mu_);
  if (ring_.empty()) {
    ++free_;
    return;
  }
  // Hand the slot straight to the next address's oldest waiter.
  std::string client = std::move(ring_.front());
  ring_.pop_front();
  auto it = queues_.find(client);
  Waiter* w = it->second.front();
  it->second.pop_front();
  --waiting_;
  w->granted = true;
  if (it->second.empty()) {
    queues_.erase(it);
  } else {
    ring_.push_back(std::move(client));
  }
  cv_.notify_all();
}

}  // namespace syncline::auth
