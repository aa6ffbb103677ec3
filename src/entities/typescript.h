// `syncline schema typescript` (DESIGN §15, JS-002): TypeScript declarations for the declared
// schema, so a JavaScript app gets typed rows. Per entity type an interface of its wire form
// (`Page`: id, organizationId and every field; server-set fields readonly; a nullable field
// `| null`; an enum the union of its values), one for what a create takes (`PageInsert`:
// required fields required, the others optional, no server-set ones), and the maps the
// package's API is generic over: `SynclineTypes` (entityType → row) and `SynclineInserts`.
// Pure; deterministic (types and fields in schema order).
#pragma once

#include <string>
#include <vector>

#include "entities/registry.h"

namespace syncline::entities {

std::string typescript_types(const std::vector<EntityType>& types);

}  // namespace syncline::entities
