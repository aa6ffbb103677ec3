#include "orgs/access_cache.h"

#include <algorithm>

namespace syncline::orgs {

namespace {
std::string key_of(const std::string& token_hash, const std::string& org) {
  std::string k;
  k.reserve(token_hash.size() + 1 + org.size());
  k.append(token_hash).push_back('\0');
  k.append(org);
  return k;
}
}  // namespace

std::optional<SessionAccess> AccessCache::find(const std::string& token_hash,
                                               const std::string& org, std::int64_t now_ms) const {
  MutexLock lock(mu_);
  if (!live_) return std::nullopt;
  auto it = entries_.find(key_of(token_hash, org));
  if (it == entries_.end() || now_ms >= it->second.until_ms) return std::nullopt;
  return it->second.value;
}

std::uint64_t AccessCache::generation() const {
  MutexLock lock(mu_);
  return generation_;
}

void AccessCache::put(const std::string& token_hash, const std::string& org, const SessionAccess& a,
                      std::int64_t now_ms, std::uint64_t read_at) {
  if (!a.access) return;  // only granted access
  MutexLock lock(mu_);
  if (!live_ || read_at != generation_) return;
  if (entries_.size() >= opt_.max_entries) entries_.clear();
  const std::int64_t until =
      std::min(now_ms + static_cast<std::int64_t>(opt_.ttl.count()), a.session_expires_ms);
  entries_[key_of(token_hash, org)] = Entry{a, until};
}

void AccessCache::invalidate_user(const std::string& user_id,
                                  const std::optional<std::string>& org_id) {
  MutexLock lock(mu_);
  ++generation_;
  std::erase_if(entries_, [&](const auto& kv) {
    const auto& v = kv.second.value;
    return v.principal.user_id == user_id && (!org_id || v.access->org.id == *org_id);
  });
}

void AccessCache::set_live(bool live) {
  MutexLock lock(mu_);
  ++generation_;
  live_ = live;
  entries_.clear();
}

std::size_t AccessCache::size() const {
  MutexLock lock(mu_);
  return entries_.size();
}

}  // namespace syncline::orgs
