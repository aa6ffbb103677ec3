#include "stream/org_lanes.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>

#include "common/backoff.h"
#include "common/metrics.h"
#include "db/connection.h"
#include "stream/catch_up.h"
#include "stream/revalidate.h"

namespace syncline::stream {

namespace {
// Subscribers re-checked per query: bounds one statement's size during the 60 s sweep.
constexpr std::size_t kRevalidateChunk = 5000;
}  // namespace

OrgLanes::OrgLanes(const Config& cfg, SubscriberManager& subscribers, int workers)
    : cfg_(cfg), subscribers_(subscribers) {
  for (int i = 0; i < workers; ++i) threads_.emplace_back([this] { work(); });
}

OrgLanes::~OrgLanes() {
  {
    MutexLock lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_) t.join();
}

void OrgLanes::deliver(const EventPtr& e) {
  {
    MutexLock lock(mu_);
    auto it = lanes_.find(e->org_id);
    if (it != lanes_.end()) {
      it->second.upto = std::max(it->second.upto, e->id);
      return;
    }
  }
  // In step: only this (the bus) thread can put the org behind, so nothing of it is being
  // published elsewhere right now.
  subscribers_.publish(e);
}

void OrgLanes::read(const std::string& org_id, std::int64_t after, std::int64_t upto) {
  if (upto <= after) return;
  // No stream of the org here: nobody to read for (a stream that opens later catches up from
  // the log itself, after it registered, so it misses nothing).
  if (!subscribers_.has_org(org_id)) return;
  {
    MutexLock lock(mu_);
    auto [it, added] = lanes_.try_emplace(org_id, Lane{after, upto});
    if (!added) {
      it->second.upto = std::max(it->second.upto, upto);
      return;
    }
    runnable_.push_back(org_id);
  }
  cv_.notify_one();
}

void OrgLanes::revalidate_user(const std::string& user_id,
                               const std::optional<std::string>& org_id) {
  {
    MutexLock lock(mu_);
    control_.emplace(user_id, org_id);
  }
  cv_.notify_one();
}

void OrgLanes::revalidate_all() {
  {
    MutexLock lock(mu_);
    control_all_ = true;
  }
  cv_.notify_one();
}

std::size_t OrgLanes::orgs_behind() const {
  MutexLock lock(mu_);
  return lanes_.size();
}

void OrgLanes::work() {
  std::optional<db::Connection> conn;
  Backoff pause(std::chrono::milliseconds(100), std::chrono::milliseconds(5000));
  UniqueLock lock(mu_);
  while (!stop_) {
    while (!stop_ && runnable_.empty() && !control_all_ && control_.empty()) lock.wait(cv_);
    if (stop_) break;
    // Every throw below leaves the lock held (each unlocked stretch takes it again first).
    try {
      if (!conn) {
        lock.unlock();
        try {
          conn.emplace(cfg_.database_url,
                       "-c statement_timeout=30s -c application_name=syncline:bus-lane");
        } catch (...) {
          lock.lock();
          throw;
        }
        lock.lock();
      }
      // Control first: a revoked stream must not get another page.
      if (!run_control(*conn)) run_lane(*conn);
      pause.reset();
    } catch (const std::exception& e) {
      // The lane (or control request) was put back; retry after a pause, on a new connection.
      conn.reset();
      const auto delay = pause.next();
      spdlog::warn("bus lane: {}; retrying in {} ms", e.what(), delay.count());
      count(Degraded::kLaneRetry);
      const auto until = std::chrono::steady_clock::now() + delay;
      while (!stop_ && lock.wait_until(cv_, until) == std::cv_status::no_timeout) {
      }
    }
  }
}

bool OrgLanes::run_control(db::Connection& c) {
  if (!control_all_ && control_.empty()) return false;
  bool all = std::exchange(control_all_, false);
  auto users = std::exchange(control_, {});
  mu_.unlock();
  try {
    std::vector<std::shared_ptr<Subscriber>> subs;
    if (all) {
      subs = subscribers_.all();
    } else {
      for (const auto& [user, org] : users)
        for (auto& s : subscribers_.of_user(user, org)) subs.push_back(std::move(s));
    }
    for (std::size_t i = 0; i < subs.size(); i += kRevalidateChunk) {
      std::vector<std::shared_ptr<Subscriber>> chunk(
          subs.begin() + static_cast<std::ptrdiff_t>(i),
          subs.begin() + static_cast<std::ptrdiff_t>(std::min(subs.size(), i + kRevalidateChunk)));
      revalidate(c, chunk);
    }
  } catch (...) {
    mu_.lock();
    control_all_ = control_all_ || all;
    control_.merge(users);
    throw;
  }
  mu_.lock();
  return true;
}

void OrgLanes::run_lane(db::Connection& c) {
  if (runnable_.empty()) return;
  std::string org = std::move(runnable_.front());
  runnable_.pop_front();
  Lane lane = lanes_.at(org);
  mu_.unlock();
  LogRead page;
  try {
    page = read_log(c, org, lane.done, nullptr, lane.upto);
    // Pruned past the lane's start: the org's streams miss what it needed; they reset and their
    // clients load a snapshot (DATA-SCALE-004).
    if (page.reset) subscribers_.reset_org(org);
    for (const auto& e : page.events) subscribers_.publish(e);
  } catch (...) {  // read again later (a stream skips the ids it has sent)
    mu_.lock();
    runnable_.push_back(org);
    throw;
  }
  mu_.lock();
  auto& l = lanes_.at(org);
  l.done = page.more ? page.cursor : lane.upto;
  if (l.done >= l.upto) {
    lanes_.erase(org);  // in step again: the bus publishes its next event itself
  } else {
    runnable_.push_back(std::move(org));
    cv_.notify_one();
  }
}

}  // namespace syncline::stream
