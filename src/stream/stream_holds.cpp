#include "stream/stream_holds.h"

#include <algorithm>

namespace syncline::stream {

namespace {
bool full(const std::map<std::string, std::size_t>& counts, const std::string& key,
          std::size_t cap) {
  auto it = counts.find(key);
  return it != counts.end() && it->second >= cap;
}

void drop(std::map<std::string, std::size_t>& counts, const std::string& key) {
  if (auto it = counts.find(key); it != counts.end() && --it->second == 0) counts.erase(it);
}
}  // namespace

StreamCaps StreamCaps::of(std::size_t per_session, std::size_t per_node) {
  auto share = [&](std::size_t part) {
    return std::min(per_node, std::max(per_session, per_node / part));
  };
  return StreamCaps{per_session, share(8), share(4), per_node};
}

StreamHolds::Refusal StreamHolds::take(const StreamHolder& h, const StreamCaps& caps) {
  if (full(sessions_, h.session, caps.per_session)) return Refusal::kSession;
  if (full(users_, h.user, caps.per_user)) return Refusal::kUser;
  if (full(addresses_, h.address, caps.per_address)) return Refusal::kAddress;
  ++sessions_[h.session];
  ++users_[h.user];
  ++addresses_[h.address];
  return Refusal::kNone;
}

void StreamHolds::release(const StreamHolder& h) {
  drop(sessions_, h.session);
  drop(users_, h.user);
  drop(addresses_, h.address);
}

}  // namespace syncline::stream
