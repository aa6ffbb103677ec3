// Merges run in a bounded pool (DESIGN §21, COLLAB): at most `slots` merges at once on this
// node, and at most one per organization, so one tenant's stream of stale 100 KB edits takes
// one slot and never all of them. A merge that gets no slot before its deadline is not merged
// (the caller's 409); waiting counts against the same 200 ms as the merge itself.
#pragma once

#include <chrono>
#include <condition_variable>
#include <optional>
#include <set>
#include <string>
#include <utility>

#include "common/mutex.h"

namespace syncline::merge {

class Admission {
 public:
  using Clock = std::chrono::steady_clock;

  // Held while merging; released when destroyed.
  class Slot {
   public:
    Slot(Admission* owner, std::string org) : owner_(owner), org_(std::move(org)) {}
    Slot(Slot&& o) noexcept : owner_(std::exchange(o.owner_, nullptr)), org_(std::move(o.org_)) {}
    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;
    Slot& operator=(Slot&&) = delete;
    ~Slot() {
      if (owner_) owner_->release(org_);
    }

   private:
    Admission* owner_;
    std::string org_;
  };

  explicit Admission(int slots) : slots_(slots < 1 ? 1 : slots) {}
  // A slot for one of `org`'s merges, waiting until `deadline` at most; nullopt if none freed.
  std::optional<Slot> admit(const std::string& org, Clock::time_point deadline);
  int busy() const;

 private:
  void release(const std::string& org);
  bool free_for(const std::string& org) const SYNCLINE_REQUIRES(mu_);

  const int slots_;
  mutable Mutex mu_;
  std::condition_variable freed_;
  std::set<std::string> merging_ SYNCLINE_GUARDED_BY(mu_);  // the orgs holding a slot (one each)
};

// This process's pool: one slot per core (at least two).
Admission& node_admission();

}  // namespace syncline::merge
