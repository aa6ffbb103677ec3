// Versioned schema migrations (migrations/NNN_name.sql, embedded in the binary), applied to
// Syncline's own schema (db/own_schema.h, DESIGN §19). A fresh install runs the baseline
// (migrations/baseline: the state 001..011 leave, without the demo's tables) and records those
// versions; an install of a previous release is first moved into the schema (db/relocate.h).
// Each step runs in its own transaction together with its ledger row, under an advisory lock:
// concurrent `migrate` runs are safe and re-running is a no-op.
#pragma once

#include <string>
#include <vector>

#include "common/error.h"
#include "db/connection.h"

namespace syncline::db {

// Applies every pending migration in version order; returns the versions applied now. Errors:
// a previous release still connected (nothing moved), or several installs in the database.
Result<std::vector<std::string>> migrate(Connection& c);

}  // namespace syncline::db
