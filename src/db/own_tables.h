// The tables `syncline migrate` creates (migrations/*.sql and the ledger): a schema file may
// never name one as a synced type's table (ADOPT-003) — a member could then read the ledger or
// write rows in another user's name. The demo's pages and attachments are app tables, not ours.
#pragma once

#include <array>
#include <string_view>

#include "db/own_schema.h"

namespace syncline::db {

inline constexpr std::array<std::string_view, 16> kOwnTables{
    "activities",      "activity_floors", "applied_transactions", "cdc_workers",
    "field_history",   "invitations",     "ledger_horizon",       "memberships",
    "organizations",   "presence",        "schema_migrations",    "sessions",
    "sign_in_backoff", "sign_up_counts",  "sync_epochs",          "users"};

// Schemas no synced table may live in: Postgres' own, and Syncline's (DESIGN §19; the
// default name too, whatever --db-schema says: a second install may live there).
inline bool is_reserved_schema(std::string_view s) {
  return s == own_schema() || s == kDefaultOwnSchema || s == "information_schema" ||
         s.starts_with("pg_");
}

}  // namespace syncline::db
