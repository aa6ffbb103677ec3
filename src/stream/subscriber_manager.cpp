#include "stream/subscriber_manager.h"

#include <algorithm>

#include "common/metrics.h"

namespace syncline::stream {

SubscriberManager::Admission SubscriberManager::try_add(const std::shared_ptr<Subscriber>& s,
                                                        std::size_t per_session,
                                                        std::size_t per_node) {
  std::lock_guard lock(mu_);
  if (s->epoch() < epoch_) return Admission::kStaleEpoch;
  if (count_ >= per_node) return Admission::kNodeFull;
  auto& of_session = by_session_[s->token_hash()];
  if (of_session >= per_session) return Admission::kSessionFull;
  ++of_session;
  auto& org = by_org_[s->org_id()];
  s->set_org_head(org.head);
  org.streams.push_back(s);
  org.routes.add(s);
  ++count_;
  metrics().stream_subscribers = static_cast<std::int64_t>(count_);
  return Admission::kAdmitted;
}

void SubscriberManager::remove(const Subscriber* s) {
  std::lock_guard lock(mu_);
  auto it = by_org_.find(s->org_id());
  if (it == by_org_.end()) return;
  auto& v = it->second.streams;
  // Streams remove themselves while they are still alive (their handle is never expired here).
  auto found = std::find_if(
      v.begin(), v.end(), [&](const std::weak_ptr<Subscriber>& w) { return w.lock().get() == s; });
  if (found == v.end()) return;
  v.erase(found);
  it->second.routes.remove(s);
  --count_;
  if (v.empty()) by_org_.erase(it);
  if (auto sit = by_session_.find(s->token_hash()); sit != by_session_.end() && --sit->second == 0)
    by_session_.erase(sit);
  metrics().stream_subscribers = static_cast<std::int64_t>(count_);
}

bool SubscriberManager::try_hold_session(const std::string& session, std::size_t per_session) {
  std::lock_guard lock(mu_);
  auto& of_session = by_session_[session];
  if (of_session >= per_session) return false;
  ++of_session;
  return true;
}

void SubscriberManager::release_session(const std::string& session) {
  std::lock_guard lock(mu_);
  if (auto it = by_session_.find(session); it != by_session_.end() && --it->second == 0)
    by_session_.erase(it);
}

void SubscriberManager::publish(const EventPtr& e) {
  std::vector<std::shared_ptr<Subscriber>> targets;
  std::shared_ptr<std::atomic<std::int64_t>> head;
  {
    std::lock_guard lock(mu_);
    auto it = by_org_.find(e->org_id);
    if (it == by_org_.end()) return;
    it->second.routes.candidates(*e, targets);
    head = it->second.head;
  }
  for (auto& s : targets) s->offer(e);
  // After the offers (Subscriber::take reads it before its queue). One publisher per org at a
  // time (the bus thread or the org's lane), in id order; never moved back regardless.
  auto seen = head->load(std::memory_order_relaxed);
  while (seen < e->id && !head->compare_exchange_weak(seen, e->id, std::memory_order_release)) {
  }
}

void SubscriberManager::begin_epoch(std::int64_t epoch) {
  std::vector<std::shared_ptr<Subscriber>> stale;
  {
    std::lock_guard lock(mu_);
    if (epoch <= epoch_) return;
    epoch_ = epoch;
    for (auto& [id, org] : by_org_)
      for (auto& w : org.streams)
        if (auto sub = w.lock(); sub && sub->epoch() < epoch) stale.push_back(std::move(sub));
  }
  for (auto& sub : stale) sub->close_with(reset_frame());
}

void SubscriberManager::reset_org(const std::string& org_id) {
  std::vector<std::shared_ptr<Subscriber>> streams;
  {
    std::lock_guard lock(mu_);
    auto it = by_org_.find(org_id);
    if (it == by_org_.end()) return;
    for (auto& w : it->second.streams)
      if (auto sub = w.lock()) streams.push_back(std::move(sub));
  }
  for (auto& sub : streams) sub->close_with(reset_frame());
}

std::vector<std::shared_ptr<Subscriber>> SubscriberManager::of_user(
    const std::string& user_id, const std::optional<std::string>& org_id) {
  std::vector<std::shared_ptr<Subscriber>> out;
  for (auto& s : all())
    if (s->user_id() == user_id && (!org_id || s->org_id() == *org_id)) out.push_back(s);
  return out;
}

std::vector<std::shared_ptr<Subscriber>> SubscriberManager::all() {
  std::vector<std::shared_ptr<Subscriber>> out;
  std::lock_guard lock(mu_);
  for (auto& [id, org] : by_org_)
    for (auto& w : org.streams)
      if (auto s = w.lock()) out.push_back(std::move(s));
  return out;
}

bool SubscriberManager::has_org(const std::string& org_id) const {
  std::lock_guard lock(mu_);
  return by_org_.count(org_id) > 0;
}

std::size_t SubscriberManager::size() const {
  std::lock_guard lock(mu_);
  return count_;
}

}  // namespace syncline::stream
