// MachineLink (TAB-001..022, native form): the processes of one app sharing a data dir elect
// one leader with flock(<dir>/<name>-sync-leader.lock) (the Client passes <app>-<org> as the
// name: one leader per machine and org). Only the leader holds the live stream;
// it serves a Unix socket <dir>/<name>-sync.sock and writes every message to its followers as
// one JSON line. Followers say hello (priority, last activity id seen), ask for flushes and say
// when they added a shape.
// Invariants:
//   - the socket path is bound, and unlinked, only by the lock holder, so a stale file from a
//     killed leader is replaced by the next one and never removes a live leader's socket;
//   - a follower that connects gets the leader's recent messages above the id it has seen,
//     then every later one, in order (replay and broadcast share one mutex);
//   - when the leader goes away (exit or kill -9: the kernel drops the lock and the socket),
//     followers below the highest live priority wait 300 ms before trying the lock.
// Internal to the client library.
#pragma once

#include <atomic>
#include <boost/json/object.hpp>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include "syncline/ordered_mutex.h"

namespace syncline::client {

class MachineLink {
 public:
  struct Hooks {
    std::function<void()> lead;  // this process became the leader (election thread; may block)
    std::function<void(const boost::json::object&)> message;  // follower: a leader's line
    std::function<void()> flush;          // leader: a follower queued mutations (must not block)
    std::function<void()> lost;           // follower: the leader went away
    std::function<std::int64_t()> since;  // follower: the last activity id it has seen
    // Leader: a follower joined or added a shape; the union may have grown (must not block).
    std::function<void()> shapes;
  };

  MachineLink(std::string dir, std::string app, int priority, Hooks hooks);
  ~MachineLink();
  MachineLink(const MachineLink&) = delete;
  MachineLink& operator=(const MachineLink&) = delete;

  void start();
  void stop();
  bool leader() const { return leader_; }
  bool connected() const { return follower_fd_ >= 0; }  // follower: to a leader

  // Leader: to every follower; messages with an activity id are kept for late joiners.
  void broadcast(const boost::json::object& msg, std::optional<std::int64_t> activity_id = {});
  // Leader: caught up (hydrated, or reconnected); followers are told, and so are those
  // joining later. set_offline: the stream dropped (followers' edits are offline edits).
  void set_live();
  void set_offline();
  // Leader: the activity id its stream started after. A follower that has seen less may have
  // missed messages no one can replay: it is told to reload its view.
  void set_origin(std::int64_t id);
  // Follower: ask the leader to flush the shared outbox now.
  void request_flush();
  // Follower: tell the leader this process added a shape (recorded in the shared cache).
  void request_shapes();

 private:
  void elect();
  bool try_lock();
  void serve();
  bool follow();  // false: no leader to connect to
  void send_peers_locked();
  void on_line(int fd, const std::string& line);

  std::string dir_, app_, lock_path_, socket_path_;
  int priority_;
  Hooks hooks_;
  std::atomic<bool> stop_{false}, leader_{false};
  int lock_fd_ = -1, listen_fd_ = -1;
  std::atomic<int> follower_fd_{-1};
  std::thread election_, server_;

  // lock order: 3 (client/README.md)
  OrderedMutex<3> mu_;  // followers, ring, live: one order for replay and broadcast
  struct Peer {
    int priority = 0;
    bool joined = false;  // said hello
    std::string buffer;   // partial line
  };
  std::map<int, Peer> peers_;
  std::deque<std::pair<std::int64_t, std::string>> ring_;
  bool live_ = false;
  std::int64_t origin_ = 0;
  int highest_other_priority_ = 0;  // follower: from the leader's `peers` lines
  OrderedMutex<8> send_mu_;         // follower writes
};

}  // namespace syncline::client
