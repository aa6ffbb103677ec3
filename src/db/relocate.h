// Moving a previous release's install into Syncline's own schema (DESIGN §19, ADOPT-001).
//
// Releases before the namespace created their objects unqualified, wherever the role's
// search_path pointed (usually `public`). This release finds them in either place
// (db/own_schema.h), so old and new nodes can run side by side; `migrate` then moves them in one
// transaction, only when no previous-release process is connected (they name tables
// unqualified and would lose them). Only Syncline's own objects and ledger rows move: an app's
// tables, and an app's own `schema_migrations` rows, are never touched. `citext` stays where it
// is. One install per database.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/error.h"
#include "db/connection.h"

namespace syncline::db {

// The schema (≠ own_schema()) holding a previous release's install, recognised by its tables
// and by a `schema_migrations` row of ours; nullopt when there is none. More than one → error.
Result<std::optional<std::string>> find_previous_install(Connection& c);

// Whether `schema` has a ledger with a row of ours (an install of this release or an old one).
bool has_install(Connection& c, const std::string& schema);

// Moves every object of ours from `from` into own_schema(), inside the caller's transaction.
// Refuses (409-style error, nothing moved) while a previous-release process is connected.
Result<void> relocate(Connection& c, const std::string& from, const std::vector<std::string>& ours);

}  // namespace syncline::db
