#include "db/answer.h"

namespace syncline::db {

namespace {

const char* describe(ConstraintKind k) {
  switch (k) {
    case ConstraintKind::kUnique:
      return "a unique";
    case ConstraintKind::kForeignKey:
      return "a foreign key";
    case ConstraintKind::kCheck:
      return "a check";
    case ConstraintKind::kNotNull:
      return "a not-null";
    case ConstraintKind::kExclusion:
      return "an exclusion";
    case ConstraintKind::kNone:
    case ConstraintKind::kOther:
      break;
  }
  return "a";
}

// Postgres 15 does not name NOT NULL constraints; name it as Postgres 17 would.
std::string constraint_name(const DbError& e) {
  const auto& w = e.where();
  if (!w.constraint.empty()) return w.constraint;
  if (e.constraint_kind() == ConstraintKind::kNotNull && !w.table.empty() && !w.column.empty())
    return w.table + "_" + w.column + "_not_null";
  return "";
}

}  // namespace

Error constraint_violation(const DbError& e, const std::optional<std::string>& field) {
  auto name = constraint_name(e);
  std::string message = std::string("the write breaks ") + describe(e.constraint_kind()) +
                        " constraint" + (name.empty() ? "" : " (" + name + ")") +
                        (field ? " on '" + *field + "'" : "") + "; nothing was applied";
  auto err = conflict("CONSTRAINT_VIOLATION", std::move(message));
  err.details["constraint"] = name;
  if (field) err.details["field"] = *field;
  return err;
}

Error answer_to(const DbError& e) {
  switch (e.kind()) {
    case DbErrorKind::kBusy:
      return unavailable("BUSY", "the row is locked elsewhere; retry", 1);
    case DbErrorKind::kUnavailable:
      return unavailable("DATABASE_UNAVAILABLE", "database unavailable", 2);
    case DbErrorKind::kConstraint:
      return constraint_violation(e, std::nullopt);
    case DbErrorKind::kNotApplied:  // the write path answers it itself; here it is a bug
    case DbErrorKind::kOther:
      break;
  }
  return internal_error();
}

}  // namespace syncline::db
