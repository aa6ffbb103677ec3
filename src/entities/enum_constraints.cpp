#include "entities/enum_constraints.h"

#include <fmt/format.h>

#include "db/sql.h"

namespace syncline::entities {

namespace {

// A text[] literal: every element double-quoted, `"` and `\` escaped.
std::string text_array(const std::vector<std::string>& values) {
  std::string out = "{";
  for (const auto& v : values) {
    if (out.size() > 1) out += ',';
    out += '"';
    for (char ch : v) {
      if (ch == '"' || ch == '\\') out += '\\';
      out += ch;
    }
    out += '"';
  }
  return out + "}";
}

struct CheckConstraint {
  std::string name;
  std::string expression;   // pg_get_expr: names the column unqualified
  std::string column_type;  // format_type of the column
};

std::vector<CheckConstraint> single_column_checks(db::Connection& c, const EntityType& t,
                                                  const Field& f) {
  auto r = c.exec(
      "SELECT con.conname, pg_get_expr(con.conbin, con.conrelid),"
      " format_type(a.atttypid, a.atttypmod) FROM pg_constraint con JOIN pg_attribute a"
      " ON a.attrelid = con.conrelid AND a.attnum = con.conkey[1]"
      " WHERE con.conrelid = to_regclass($1) AND con.contype = 'c'"
      " AND cardinality(con.conkey) = 1 AND a.attname = $2 ORDER BY con.conname",
      {t.sql_table, f.column});
  std::vector<CheckConstraint> out;
  for (int i = 0; i < r.size(); ++i)
    out.push_back({std::string(r.get(i, 0)), std::string(r.get(i, 1)), std::string(r.get(i, 2))});
  return out;
}

// The declared values the constraint refuses, in declaration order ("" when none). NULL passes
// a CHECK, as in Postgres.
std::string refused(db::Connection& c, const Field& f, const CheckConstraint& k) {
  auto r = c.exec(
      "SELECT coalesce(string_agg(u.v, ', ' ORDER BY u.o), '') FROM unnest($1::text[])"
      " WITH ORDINALITY u(v, o) WHERE NOT coalesce((SELECT " +
          k.expression + " FROM (SELECT u.v::" + k.column_type + " AS " + db::ident(f.column) +
          ") x), true)",
      {text_array(f.values)});
  return std::string(r.get(0, 0));
}

}  // namespace

std::vector<std::string> enum_constraint_mismatches(db::Connection& c, const EntityType& t) {
  std::vector<std::string> out;
  for (const auto& f : t.fields) {
    if (f.kind != FieldKind::kEnum || f.values.empty()) continue;
    for (const auto& k : single_column_checks(c, t, f)) {
      try {
        if (auto no = refused(c, f, k); !no.empty())
          out.push_back(fmt::format(
              "{}: field '{}' allows {} but constraint {} on column {} refuses it (CHECK {}): "
              "make the values agree",
              t.table, f.json, no, k.name, f.column, k.expression));
      } catch (const db::DbError& e) {
        out.push_back(
            fmt::format("{}: constraint {} on column {} could not be evaluated for "
                        "field '{}' ({})",
                        t.table, k.name, f.column, f.json, e.what()));
      }
    }
  }
  return out;
}

}  // namespace syncline::entities
