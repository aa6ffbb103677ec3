#include "db/pool.h"

namespace syncline::db {

Lease::~Lease() {
  if (c_) pool_->release(std::move(c_));
}

Lease Pool::acquire() {
  UniqueLock lock(mu_);
  while (idle_.empty() && open_ >= size_) lock.wait(cv_);
  if (!idle_.empty()) {
    auto c = std::move(idle_.back());
    idle_.pop_back();
    return Lease(*this, std::move(c));
  }
  ++open_;
  lock.unlock();
  try {
    return Lease(*this, std::make_unique<Connection>(url_, options_));
  } catch (...) {
    lock.lock();
    --open_;
    cv_.notify_one();
    throw;
  }
}

void Pool::release(std::unique_ptr<Connection> c) {
  MutexLock lock(mu_);
  if (c->healthy()) {
    idle_.push_back(std::move(c));
  } else {
    --open_;  // dropped; the next acquire opens a fresh one
  }
  cv_.notify_one();
}

}  // namespace syncline::db
