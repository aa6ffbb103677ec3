#include "common/keyed_slots.h"

namespace syncline {

std::optional<KeyedSlots::Ticket> KeyedSlots::try_enter(const std::string& key) {
  MutexLock lock(mu_);
  auto& mine = per_key_inside_[key];
  if (inside_ >= total_ || mine >= per_key_) {
    if (mine == 0) per_key_inside_.erase(key);
    return std::nullopt;
  }
  ++mine;
  ++inside_;
  return Ticket(this, key);
}

void KeyedSlots::leave(const std::string& key) {
  MutexLock lock(mu_);
  --inside_;
  auto it = per_key_inside_.find(key);
  if (--it->second == 0) per_key_inside_.erase(it);
}

KeyedSlots::Ticket::~Ticket() {
  if (slots_) slots_->leave(key_);
}

}  // namespace syncline
