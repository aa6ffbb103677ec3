#include "syncline/network_status.h"

namespace syncline::client {

const char* to_string(Latency l) {
  switch (l) {
    case Latency::kUnknown:
      return "unknown";
    case Latency::kFast:
      return "fast";
    case Latency::kSlow:
      return "slow";
    case Latency::kPoor:
      return "poor";
  }
  return "?";
}

NetworkStatus::NetworkStatus(Probe probe, Clock::duration interval, Now now)
    : probe_(std::move(probe)), interval_(interval), now_(std::move(now)) {}

NetworkStatus::~NetworkStatus() {
  stop();
}

void NetworkStatus::start() {
  thread_ = std::thread([this] {
    std::unique_lock lock(mu_);
    while (!stop_) {
      lock.unlock();
      probe_now();
      lock.lock();
      cv_.wait_for(lock, interval_, [&] { return stop_; });
    }
  });
}

void NetworkStatus::stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void NetworkStatus::probe_now() {
  auto rtt = probe_();
  if (rtt) {
    last_success_ = now_().time_since_epoch().count();
    latency_ = *rtt < std::chrono::milliseconds(200) ? Latency::kFast
               : *rtt < std::chrono::seconds(1)      ? Latency::kSlow
                                                     : Latency::kPoor;
  }
  set_online(rtt.has_value());
}

void NetworkStatus::report(bool answered) {
  set_online(answered);
}

bool NetworkStatus::verified() const {
  auto last = last_success_.load();
  if (last == 0) return false;
  return now_() - Clock::time_point(Clock::duration(last)) < 2 * interval_;
}

void NetworkStatus::set_online(bool v) {
  if (online_.exchange(v) == v) return;
  std::map<int, Observer> copy;
  {
    std::lock_guard lock(mu_);
    copy = observers_;
  }
  for (auto& [id, o] : copy) o(v);
}

int NetworkStatus::observe(Observer o) {
  std::lock_guard lock(mu_);
  observers_[next_] = std::move(o);
  return next_++;
}

void NetworkStatus::unobserve(int id) {
  std::lock_guard lock(mu_);
  observers_.erase(id);
}

}  // namespace syncline::client
