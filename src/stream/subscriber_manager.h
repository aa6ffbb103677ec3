// SubscriberManager (STREAM-010..014): Map<orgId, Set<Subscriber>> routing. The bus
// publishes each event once; the manager copies the org's weak handles under its lock and
// offers the shared event after releasing it. Streams add themselves when they open and
// remove themselves when they end (cleanup on disconnect).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "stream/subscriber.h"

namespace syncline::stream {

class SubscriberManager {
 public:
  void add(const std::shared_ptr<Subscriber>& s);
  void remove(const Subscriber* s);
  void publish(const EventPtr& e);
  // Live subscribers of a user (of one org, or of every org when org_id is nullopt).
  std::vector<std::shared_ptr<Subscriber>> of_user(const std::string& user_id,
                                                   const std::optional<std::string>& org_id);
  std::vector<std::shared_ptr<Subscriber>> all();
  std::size_t size() const;

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::vector<std::weak_ptr<Subscriber>>> by_org_;
  std::size_t count_ = 0;
};

}  // namespace syncline::stream
