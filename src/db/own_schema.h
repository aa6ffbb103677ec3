// Where Syncline's own objects live (DESIGN §19, ADOPT-001): one Postgres schema, `syncline`
// unless --db-schema names another. Installed once at start-up, before the first connection
// and before any other thread runs (like the entity registry); read-only afterwards.
//
// Every Connection puts this schema in front of the role's search_path, so statements name
// our tables unqualified and find them here, or where a previous release left them until
// `migrate` moves them: old and new nodes work side by side during an upgrade. App tables are
// always named schema-qualified (EntityType::sql_table), so the path never changes which app
// table a statement reaches.
#pragma once

#include <string>
#include <string_view>

namespace syncline::db {

inline constexpr std::string_view kDefaultOwnSchema = "syncline";

// A lower-case SQL identifier that is not a Postgres schema ("public", pg_*, information_schema).
bool valid_own_schema(std::string_view name);
// Start-up only. Precondition: valid_own_schema(name).
void set_own_schema(std::string name);
const std::string& own_schema();

// application_name of this release's connections ("syncline:<role>"). Releases before the
// namespace named theirs "syncline-bus", "syncline-bus-lane" and "syncline-cdc": `migrate` looks
// for those before it moves anything (db/relocate.h).
std::string application_name(std::string_view role);

}  // namespace syncline::db
