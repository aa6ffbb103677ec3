// NetworkStatus (NET-001..010): online/offline from the outcome of every request plus a
// periodic probe (HEAD /health, default every 30 s). `verified` means the last probe succeeded
// within twice the interval; the latency class comes from the probe's round trip: fast
// (< 200 ms), slow (< 1 s), else poor. Observers are called on the thread that caused the
// change. Thread-safe. The probe runs on its own thread once start() is called.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include "syncline/ordered_mutex.h"

namespace syncline::client {

enum class Latency { kUnknown, kFast, kSlow, kPoor };
const char* to_string(Latency l);

class NetworkStatus {
 public:
  using Clock = std::chrono::steady_clock;
  // Returns the round trip of a successful probe, nullopt when it failed.
  using Probe = std::function<std::optional<Clock::duration>()>;
  // What time it is: Clock::now, or a test's clock.
  using Now = std::function<Clock::time_point()>;

  explicit NetworkStatus(Probe probe, Clock::duration interval = std::chrono::seconds(30),
                         Now now = Clock::now);
  ~NetworkStatus();

  void start();  // probes at once, then every interval
  void stop();

  // Feed the outcome of a request made elsewhere (true: the server answered).
  void report(bool answered);
  // Runs one probe now (also what the background thread does).
  void probe_now();

  bool online() const { return online_; }
  bool verified() const;
  Latency latency() const { return latency_; }

  using Observer = std::function<void(bool online)>;
  int observe(Observer o);
  void unobserve(int id);

 private:
  void set_online(bool v);

  Probe probe_;
  Clock::duration interval_;
  Now now_;
  std::atomic<bool> online_{false};
  std::atomic<Latency> latency_{Latency::kUnknown};
  std::atomic<Clock::rep> last_success_{0};  // time_since_epoch ticks; 0 = never
  OrderedMutex<8> mu_;
  std::condition_variable_any cv_;
  bool stop_ = false;
  std::thread thread_;
  std::map<int, Observer> observers_;
  int next_ = 1;
};

}  // namespace syncline::client
