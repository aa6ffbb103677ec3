#include "stream/subscriber_manager.h"

#include <algorithm>

#include "common/metrics.h"

namespace syncline::stream {

namespace {
SubscriberManager::Admission admission_of(StreamHolds::Refusal r) {
  using A = SubscriberManager::Admission;
  switch (r) {
    case StreamHolds::Refusal::kSession:
      return A::kSessionFull;
    case StreamHolds::Refusal::kUser:
      return A::kUserFull;
    case StreamHolds::Refusal::kAddress:
      return A::kAddressFull;
    case StreamHolds::Refusal::kNone:
      break;
  }
  return A::kAdmitted;
}
}  // namespace

SubscriberManager::Admission SubscriberManager::try_add(const std::shared_ptr<Subscriber>& s,
                                                        const StreamCaps& caps) {
  MutexLock lock(mu_);
  if (s->epoch() < epoch_) return Admission::kStaleEpoch;
  if (count_ >= caps.per_node) return Admission::kNodeFull;
  if (auto a = admission_of(holds_.take(s->holder(), caps)); a != Admission::kAdmitted) return a;
  auto& org = by_org_[s->org_id()];
  s->set_org_head(org.head);
  org.streams.push_back(s);
  org.routes.add(s);
  ++count_;
  metrics().stream_subscribers = static_cast<std::int64_t>(count_);
  return Admission::kAdmitted;
}

void SubscriberManager::remove(const Subscriber* s) {
  MutexLock lock(mu_);
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
  holds_.release(s->holder());
  metrics().stream_subscribers = static_cast<std::int64_t>(count_);
}

SubscriberManager::Admission SubscriberManager::try_hold(const StreamHolder& h,
                                                         const StreamCaps& caps) {
  MutexLock lock(mu_);
  return admission_of(holds_.take(h, caps));
}

void SubscriberManager::release(const StreamHolder& h) {
  MutexLock lock(mu_);
  holds_.release(h);
}

void SubscriberManager::publish(const EventPtr& e) {
  std::vector<std::shared_ptr<Subscriber>> targets;
  std::shared_ptr<std::atomic<std::int64_t>> head;
  {
    MutexLock lock(mu_);
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

void SubscriberManager::publish_presence(const PresencePtr& p) {
  for (auto& s : streams_of(p->change.org_id)) s->offer_presence(p);
}

void SubscriberManager::keep_presences(const std::string& org_id,
                                       const std::set<std::string>& live) {
  for (auto& s : streams_of(org_id)) s->keep_presences(live);
}

std::vector<std::string> SubscriberManager::orgs() const {
  MutexLock lock(mu_);
  std::vector<std::string> out;
  for (const auto& [id, org] : by_org_) out.push_back(id);
  return out;
}

void SubscriberManager::begin_epoch(std::int64_t epoch) {
  std::vector<std::shared_ptr<Subscriber>> stale;
  {
    MutexLock lock(mu_);
    if (epoch <= epoch_) return;
    epoch_ = epoch;
    for (auto& [id, org] : by_org_)
      for (auto& w : org.streams)
        if (auto sub = w.lock(); sub && sub->epoch() < epoch) stale.push_back(std::move(sub));
  }
  for (auto& sub : stale) sub->close_with(reset_frame());
}

void SubscriberManager::reset_org(const std::string& org_id) {
  for (auto& sub : streams_of(org_id)) sub->close_with(reset_frame());
}

std::vector<std::shared_ptr<Subscriber>> SubscriberManager::streams_of(
    const std::string& org_id) const {
  std::vector<std::shared_ptr<Subscriber>> out;
  MutexLock lock(mu_);
  if (auto it = by_org_.find(org_id); it != by_org_.end())
    for (auto& w : it->second.streams)
      if (auto s = w.lock()) out.push_back(std::move(s));
  return out;
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
  MutexLock lock(mu_);
  for (auto& [id, org] : by_org_)
    for (auto& w : org.streams)
      if (auto s = w.lock()) out.push_back(std::move(s));
  return out;
}

bool SubscriberManager::has_org(const std::string& org_id) const {
  MutexLock lock(mu_);
  return by_org_.count(org_id) > 0;
}

std::size_t SubscriberManager::size() const {
  MutexLock lock(mu_);
  return count_;
}

}  // namespace syncline::stream
