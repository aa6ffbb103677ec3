// Versioned schema migrations (migrations/NNN_name.sql, embedded in the binary). Each runs
// in its own transaction together with its schema_migrations row; an advisory lock makes
// concurrent `migrate` runs safe. Re-running is a no-op.
#pragma once

#include <string>
#include <vector>

#include "db/connection.h"

namespace syncline::db {

// Applies every pending migration in version order; returns the versions applied now.
std::vector<std::string> migrate(Connection& c);

}  // namespace syncline::db
