// ActivityBus (AB-001..005, AB-010..012): the one LISTEN connection of an API node, on its
// own thread (blocking libpq + poll; never the event loop). It LISTENs on the channels of
// wire/notice.h and on syncline_presence (DESIGN §21), and decodes each payload once. The bus
// thread itself never reads entities, sleeps or waits on another org (SEC-020..023): an event that
// carries its entity is handed to OrgLanes for publication at once; everything that needs the
// log — payloads without `entity` (over 7,500 bytes), range doorbells, the range missed while
// not listening, an id jump — becomes a range of that org's lane, read beside other orgs'.
// Control messages and the 60 s sweep re-validate streams on the lanes' workers, too.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>

#include "common/config.h"
#include "db/connection.h"
#include "orgs/access_cache.h"
#include "stream/org_lanes.h"
#include "stream/subscriber_manager.h"

namespace syncline::stream {

class ActivityBus {
 public:
  // access_cache (may be null) is kept live while the bus listens and told of every control
  // notification (orgs/access_cache.h).
  ActivityBus(const Config& cfg, SubscriberManager& subscribers,
              orgs::AccessCache* access_cache = nullptr);
  ~ActivityBus();
  void start();
  void stop();
  bool connected() const { return connected_; }
  std::int64_t last_id() const { return last_id_; }

 private:
  void run();
  // One connection's life: listen, then decode what arrives until stop or an error (thrown).
  void session();
  // LISTEN, take the current epoch, and replay what was committed while not listening.
  void listen(db::Connection& c);
  void rebuild_presence(db::Connection& c);
  // One notification, by channel.
  void decode(db::Connection& c, const db::Connection::Notification& n);
  void on_activity(db::Connection& c, const std::string& payload);
  // The activities with after < id < before, whatever their org, to their orgs' lanes.
  void replay_range(db::Connection& c, std::int64_t after, std::int64_t before);

  const Config& cfg_;
  SubscriberManager& subscribers_;
  orgs::AccessCache* access_cache_;
  OrgLanes lanes_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> connected_{false};
  std::atomic<std::int64_t> last_id_{-1};  // -1: not known yet (first connect starts at head)
};

}  // namespace syncline::stream
