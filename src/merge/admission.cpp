#include "merge/admission.h"

#include <algorithm>
#include <thread>

namespace syncline::merge {

std::optional<Admission::Slot> Admission::admit(const std::string& org,
                                                Clock::time_point deadline) {
  std::unique_lock lock(mu_);
  const auto free = [&] {
    return static_cast<int>(merging_.size()) < slots_ && !merging_.contains(org);
  };
  if (!freed_.wait_until(lock, deadline, free)) return std::nullopt;
  merging_.insert(org);
  return Slot(this, org);
}

int Admission::busy() const {
  std::lock_guard lock(mu_);
  return static_cast<int>(merging_.size());
}

void Admission::release(const std::string& org) {
  {
    std::lock_guard lock(mu_);
    merging_.erase(org);
  }
  freed_.notify_all();  // a waiter of this org, or of any org when the pool was full
}

Admission& node_admission() {
  static Admission pool(std::max(2, static_cast<int>(std::thread::hardware_concurrency())));
  return pool;
}

}  // namespace syncline::merge
