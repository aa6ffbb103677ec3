// ActivityBus (AB-001..005, AB-010..012): the one LISTEN connection of an API node, on its
// own thread (blocking libpq + poll; never the event loop). It LISTENs on
// `syncline_activities` and `syncline_control`, parses each payload once and publishes the
// event to the SubscriberManager. Payloads without `entity` (over 7,500 bytes) get it read by
// id; range doorbells are read from the log. Gap safety: the bus remembers the highest id it
// delivered and, after every (re)connect, reads the missing range from `activities` before
// delivering newer ones. Control messages re-validate the named user's streams (session,
// membership, role) and close them with `event: error {"code":"forbidden"}`; all streams are
// re-validated in one batched query after a reconnect and every 60 s.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>

#include "common/config.h"
#include "stream/subscriber_manager.h"

namespace syncline::stream {

class ActivityBus {
 public:
  ActivityBus(const Config& cfg, SubscriberManager& subscribers);
  ~ActivityBus();
  void start();
  void stop();
  bool connected() const { return connected_; }
  std::int64_t last_id() const { return last_id_; }

 private:
  void run();
  void session();

  const Config& cfg_;
  SubscriberManager& subscribers_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> connected_{false};
  std::atomic<std::int64_t> last_id_{-1};  // -1: not known yet (first connect starts at head)
};

}  // namespace syncline::stream
