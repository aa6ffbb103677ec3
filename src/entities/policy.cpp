#include "entities/policy.h"

namespace syncline::entities {

bool is_permission_allowed(const Actor& actor, Op op, const EntityType& type,
                           const std::optional<std::string>& created_by) {
  if (actor.system_admin) return true;
  if (!actor.role) return false;
  const auto& grants = *actor.role == "admin" ? type.policy.admin : type.policy.member;
  switch (grants[static_cast<int>(op)]) {
    case Grant::kAll: return true;
    case Grant::kOwn: return op == Op::kCreate || (created_by && *created_by == actor.user_id);
    case Grant::kNone: return false;
  }
  return false;
}

}  // namespace syncline::entities
