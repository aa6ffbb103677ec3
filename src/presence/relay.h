// The node's presence relay (DESIGN §21, COLLAB): presence changes this node made reach every
// node's streams as batched NOTIFYs on `syncline_presence` — never one per update: NOTIFY takes a
// cluster-wide lock at commit. Every 25 ms the due changes go in payloads ≤ 7,500 bytes, all in
// one statement; a presence is announced at most once per 100 ms (its last state wins, so a
// client updating faster is coalesced, not refused). Every second the relay also sweeps expired
// presences of any node (a killed node's clients included) and announces their leaves. Its own
// connection, its own thread; a database outage keeps the pending changes (one per presence).
#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "common/config.h"
#include "common/mutex.h"
#include "db/connection.h"
#include "wire/presence.h"

namespace syncline::presence {

class Relay {
 public:
  explicit Relay(const Config& cfg) : cfg_(cfg) {}
  ~Relay() { stop(); }
  Relay(const Relay&) = delete;
  Relay& operator=(const Relay&) = delete;
  void start();
  void stop();
  // Any thread: a change this node committed, to announce.
  void announce(wire::PresenceChange change);

 private:
  using Clock = std::chrono::steady_clock;
  struct Pending {
    wire::PresenceChange change;
    Clock::time_point due;
  };
  void run();
  void flush(db::Connection& c);
  void requeue(std::vector<wire::PresenceChange> unsent);
  void sweep(db::Connection& c);

  const Config& cfg_;
  Mutex mu_;
  std::map<std::string, Pending> pending_ SYNCLINE_GUARDED_BY(mu_);  // by org and presence
  std::map<std::string, Clock::time_point> last_sent_
      SYNCLINE_GUARDED_BY(mu_);  // the same keys, for 100 ms
  std::thread thread_;
  std::atomic<bool> stop_{false};
};

// The relay of this process, set while `serve` runs (handlers announce through it); null
// elsewhere.
Relay* node_relay();
void set_node_relay(Relay* r);

}  // namespace syncline::presence
