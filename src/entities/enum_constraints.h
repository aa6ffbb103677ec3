// ADOPT-003: an enum field's values against the app's CHECK constraints on its column.
//
// Every single-column CHECK of the type's table is evaluated by Postgres itself for each value
// the field declares (the expression as the catalog prints it, over one row holding the value
// cast to the column's type), so any form of constraint is understood (`IN (…)`, `<>`,
// `length(…) < n`, a function): a value the constraint refuses would make a valid write fail.
// Reads only; must run outside a transaction (an expression that raises is reported as a
// problem and leaves nothing aborted).
#pragma once

#include <string>
#include <vector>

#include "db/connection.h"
#include "entities/registry.h"

namespace syncline::entities {

// One sentence per enum field whose values some CHECK constraint refuses (or cannot judge).
std::vector<std::string> enum_constraint_mismatches(db::Connection& c, const EntityType& t);

}  // namespace syncline::entities
