// What a database failure means to the client (DESIGN §12, §19): one mapping from DbError
// kinds to API errors, used by the router for any statement and by the write path, which adds
// the field a constraint is on.
#pragma once

#include <optional>
#include <string>

#include "common/error.h"
#include "db/connection.h"

namespace syncline::db {

// kBusy → 503 BUSY, kUnavailable → 503 DATABASE_UNAVAILABLE, kConstraint →
// constraint_violation(e), anything else → 500 INTERNAL (our bug).
Error answer_to(const DbError& e);

// 409 CONSTRAINT_VIOLATION {"constraint", "field"?}: nothing was applied. The message names the
// constraint and its kind, never the row's values (Postgres' detail may show another tenant's).
Error constraint_violation(const DbError& e, const std::optional<std::string>& field);

}  // namespace syncline::db
