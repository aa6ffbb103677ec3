// The one permission function (DESIGN §7, SEC-001..005): REST handlers and live streams
// both ask it. System admins bypass; non-members get nothing; `own` compares created_by.
#pragma once

#include <optional>
#include <string>

#include "entities/registry.h"

namespace syncline::entities {

struct Actor {
  std::string user_id;
  bool system_admin = false;
  std::optional<std::string> role;  // membership role in the entity's org: admin | member
};

// What the actor may do for `op` regardless of the row: kAll, kOwn (only rows it created) or
// kNone. Lets SQL enforce `own` atomically (`may_all OR created_by = user`).
Grant grant_for(const Actor& actor, Op op, const EntityType& type);

// created_by: the entity's creator; ignored for kCreate.
bool is_permission_allowed(const Actor& actor, Op op, const EntityType& type,
                           const std::optional<std::string>& created_by);

}  // namespace syncline::entities
