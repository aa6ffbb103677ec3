// OrgLanes (SEC-020..023, AB-001..005): the part of the bus's work that needs the database,
// run beside the bus thread instead of on it, and fair across organizations, so that nothing
// one org writes (oversized entities, bulk commits, a flood of either) delays another org's
// deliveries by more than one page read.
//
// An org is either in step (its events are published the moment the bus parses them) or
// behind: it has a lane, a range (done, upto] of activity ids still to be read from the log.
// While an org is behind, its newer events only extend the range, so they stay in order and
// a lane holds two integers whatever the backlog. Worker threads (each with its own
// connection) take lanes round-robin, one page (≤ 100 activities, ≤ 4 MiB) per turn; a lane
// that caught up is dropped and its org is in step again. The workers also run re-validation
// of streams (control notifications, the 60 s sweep), coalesced per user.
//
// Threads: deliver() and read() only from the bus thread (the single producer: that is what
// keeps an org's events in order); revalidate_*() from any thread.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "common/config.h"
#include "common/mutex.h"
#include "stream/subscriber_manager.h"

namespace syncline::db {
class Connection;
}

namespace syncline::stream {

class OrgLanes {
 public:
  OrgLanes(const Config& cfg, SubscriberManager& subscribers, int workers = 2);
  ~OrgLanes();
  OrgLanes(const OrgLanes&) = delete;
  OrgLanes& operator=(const OrgLanes&) = delete;

  // Publishes the event now, or — when its org is behind — leaves it to the org's lane.
  void deliver(const EventPtr& e);
  // The org's activities with after < id <= upto are read from the log and published, in
  // order with the org's other events (nothing is read for an org without streams here).
  void read(const std::string& org_id, std::int64_t after, std::int64_t upto);

  void revalidate_user(const std::string& user_id, const std::optional<std::string>& org_id);
  void revalidate_all();

  std::size_t orgs_behind() const;

 private:
  struct Lane {
    std::int64_t done = 0;  // published up to here
    std::int64_t upto = 0;  // read up to here
  };
  void work();
  // Both are called and return (or throw) with mu_ held; they release it while they read or
  // publish.
  bool run_control(db::Connection& c) SYNCLINE_REQUIRES(mu_);
  void run_lane(db::Connection& c) SYNCLINE_REQUIRES(mu_);

  const Config& cfg_;
  SubscriberManager& subscribers_;
  mutable Mutex mu_;
  std::condition_variable cv_;
  bool stop_ SYNCLINE_GUARDED_BY(mu_) = false;
  std::unordered_map<std::string, Lane> lanes_ SYNCLINE_GUARDED_BY(mu_);  // orgs that are behind
  std::deque<std::string> runnable_ SYNCLINE_GUARDED_BY(mu_);  // each behind org once, FIFO
  std::set<std::pair<std::string, std::optional<std::string>>> control_
      SYNCLINE_GUARDED_BY(mu_);  // (user, org)
  bool control_all_ SYNCLINE_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;
};

}  // namespace syncline::stream
