#include "merge/admission.h"

#include <algorithm>
#include <thread>

namespace syncline::merge {

std::optional<Admission::Slot> Admission::admit(const std::string& org,
                                                Clock::time_point deadline) {
  UniqueLock lock(mu_);
  while (!free_for(org))
    if (lock.wait_until(freed_, deadline) == std::cv_status::timeout && !free_for(org))
      return std::nullopt;
  merging_.insert(org);
  return Slot(this, org);
}

bool Admission::free_for(const std::string& org) const {
  return static_cast<int>(merging_.size()) < slots_ && !merging_.contains(org);
}

int Admission::busy() const {
  MutexLock lock(mu_);
  return static_cast<int>(merging_.size());
}

void Admission::release(const std::string& org) {
  {
    MutexLock lock(mu_);
    merging_.erase(org);
  }
  freed_.notify_all();  // a waiter of this org, or of any org when the pool was full
}

Admission& node_admission() {
  static Admission pool(std::max(2, static_cast<int>(std::thread::hardware_concurrency())));
  return pool;
}

}  // namespace syncline::merge
