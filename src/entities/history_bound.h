// The text-merge history's bound in bytes per organization (DESIGN §21): beside the per-field
// bound kept by each write (mutation_sql.cpp), an org whose kept values outgrow
// `bytes_per_org` (their stored, compressed size) loses its oldest values; their SHA-256
// stays (a PATCH may still bring the value, tx.baseValue). Losing a value only turns a later
// merge against it into the 409 of before. Run by the active CDC worker every few seconds,
// for the orgs that wrote history since its last run. Throws db::DbError.
#pragma once

#include <cstdint>
#include <string>

#include "db/connection.h"

namespace syncline::entities {

class HistoryBound {
 public:
  explicit HistoryBound(std::int64_t bytes_per_org) : bytes_per_org_(bytes_per_org) {}
  // Values dropped (0: every org within its bound).
  std::int64_t trim(db::Connection& c);

 private:
  std::int64_t bytes_per_org_;
  std::string since_ = "-infinity";  // the database's clock at the last run
};

}  // namespace syncline::entities
