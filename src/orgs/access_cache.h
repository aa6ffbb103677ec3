// AccessCache: session_and_org()'s answers for org-scoped requests (the hot path: a mutation is
// then one statement, no auth query; DESIGN §17), per (token hash, org as addressed). Every
// change that can alter an answer — sign-out, membership added, removed or re-roled, org
// created — commits with a `syncline_control` notification (orgs/control.h); this node's
// ActivityBus hands each one to invalidate_user(). The cache is used only while the bus
// listens: set_live(false) when its connection is lost (notifications could be missed),
// set_live(true) once it LISTENs again, each forgetting everything. An entry also lapses after
// `ttl` and at its session's expiry. A revocation therefore reaches writes within the bus's
// notification delay (milliseconds), as it reaches open streams. Only granted access is
// cached (401/403/404 are asked of the database each time). A reader notes generation()
// before it asks the database and passes it to put(): an answer read before any later
// invalidation is not cached (it may predate a revocation, SEC-050). Bounded: at
// `max_entries` it starts over. Thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>

#include "common/mutex.h"
#include "orgs/organizations.h"

namespace syncline::orgs {

class AccessCache {
 public:
  struct Options {
    std::chrono::milliseconds ttl{5000};
    std::size_t max_entries = 100'000;
  };
  AccessCache() : AccessCache(Options{}) {}
  explicit AccessCache(Options o) : opt_(o) {}

  // now_ms: Unix milliseconds (the caller's clock, for tests).
  std::optional<SessionAccess> find(const std::string& token_hash, const std::string& org,
                                    std::int64_t now_ms) const;
  // Counts invalidations (invalidate_user, set_live).
  std::uint64_t generation() const;
  // read_at: generation() before the answer was read; an invalidation since drops the put.
  void put(const std::string& token_hash, const std::string& org, const SessionAccess& a,
           std::int64_t now_ms, std::uint64_t read_at);
  // A control notification: the user's entries (of that org, or of all orgs) go.
  void invalidate_user(const std::string& user_id, const std::optional<std::string>& org_id);
  void set_live(bool live);
  std::size_t size() const;

 private:
  struct Entry {
    SessionAccess value;
    std::int64_t until_ms = 0;  // min(cached + ttl, the session's expiry)
  };
  const Options opt_;
  mutable Mutex mu_;
  bool live_ SYNCLINE_GUARDED_BY(mu_) = false;
  std::uint64_t generation_ SYNCLINE_GUARDED_BY(mu_) = 0;
  std::unordered_map<std::string, Entry> entries_
      SYNCLINE_GUARDED_BY(mu_);  // token hash + '\0' + org → entry
};

}  // namespace syncline::orgs
