#include "http/password_lane.h"

namespace syncline::http {

std::optional<PasswordLane::Ticket> PasswordLane::try_enter(const std::string& key) {
  std::lock_guard lock(mu_);
  auto& mine = per_key_[key];
  if (inside_ >= kThreads || mine >= kPerClient) {
    if (mine == 0) per_key_.erase(key);
    return std::nullopt;
  }
  ++mine;
  ++inside_;
  return Ticket(this, key);
}

void PasswordLane::leave(const std::string& key) {
  std::lock_guard lock(mu_);
  --inside_;
  auto it = per_key_.find(key);
  if (--it->second == 0) per_key_.erase(it);
}

PasswordLane::Ticket::~Ticket() {
  if (lane_) lane_->leave(key_);
}

}  // namespace syncline::http
