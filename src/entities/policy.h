// The one permission function (DESIGN §7, SEC-001..005): REST handlers and live streams
// both ask it. System admins bypass; non-members get nothing; `own` compares the row's owner
// with the actor's owner_id().
#pragma once

#include <optional>
#include <string>

#include "entities/registry.h"

namespace syncline::entities {

struct Actor {
  std::string user_id;
  bool system_admin = false;
  std::optional<std::string> role;  // membership role in the entity's org: admin | member
  // A JWT user's `sub` as the identity provider issued it ("auth0|65f…"); empty for a local
  // account. The app's own rows hold that subject, not our derived user id (ADOPT-004).
  std::string subject{};

  // What the owner and `*_by` columns hold for this actor and what `own` compares them with.
  const std::string& owner_id() const { return subject.empty() ? user_id : subject; }
};

// What the actor may do for `op` regardless of the row: kAll, kOwn (only rows it created) or
// kNone. Lets SQL enforce `own` atomically (`may_all OR owner = owner_id`).
Grant grant_for(const Actor& actor, Op op, const EntityType& type);

// created_by: the entity's owner column; ignored for kCreate.
bool is_permission_allowed(const Actor& actor, Op op, const EntityType& type,
                           const std::optional<std::string>& created_by);

}  // namespace syncline::entities
