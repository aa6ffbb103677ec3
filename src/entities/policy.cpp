#include "entities/policy.h"

namespace syncline::entities {

Grant grant_for(const Actor& actor, Op op, const EntityType& type) {
  if (actor.system_admin) return Grant::kAll;
  if (!actor.role) return Grant::kNone;
  const auto& grants = *actor.role == "admin" ? type.policy.admin : type.policy.member;
  return grants[static_cast<int>(op)];
}

bool is_permission_allowed(const Actor& actor, Op op, const EntityType& type,
                           const std::optional<std::string>& created_by) {
  switch (grant_for(actor, op, type)) {
    case Grant::kAll:
      return true;
    case Grant::kOwn:
      return op == Op::kCreate || (created_by && *created_by == actor.owner_id());
    case Grant::kNone:
      return false;
  }
  return false;
}

}  // namespace syncline::entities
