#include "entities/schema_db.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include "common/json_parse.h"
#include "db/own_tables.h"
#include "db/relocate.h"
#include "db/sql.h"
#include "entities/enum_constraints.h"

namespace syncline::entities {

using db::ident;

namespace {

struct Column {
  std::string type;  // format_type(), e.g. "text", "character varying(20)", "bigint"
  bool not_null = false;
  bool has_default = false;
  std::string enum_type;            // a Postgres enum type, quoted and qualified; else ""
  std::vector<std::string> labels;  // its values
};

struct Table {
  bool exists = false;
  bool ours = false;  // one of Syncline's own tables, wherever its install lives (ADOPT-001)
  std::map<std::string, Column> columns;
  char replica_identity = 'd';
  std::vector<std::set<std::string>> unique;      // column sets of plain unique indexes
  std::vector<std::vector<std::string>> indexes;  // every plain index's columns, in order
};

using Columns = std::vector<std::string>;

// Whether some plain index starts with `lead`, in that order (it then serves an ORDER BY of
// the last column within equalities on the others).
bool has_leading(const Table& t, const Columns& lead) {
  return std::any_of(t.indexes.begin(), t.indexes.end(), [&](const Columns& cols) {
    return cols.size() >= lead.size() && std::equal(lead.begin(), lead.end(), cols.begin());
  });
}

Table inspect(db::Connection& c, const EntityType& t) {
  Table out;
  auto rel = c.exec(
      "SELECT c.oid, c.relreplident FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
      " WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p')",
      {t.schema, t.table_name});
  if (rel.empty()) return out;
  out.exists = true;
  out.ours = std::find(db::kOwnTables.begin(), db::kOwnTables.end(), t.table_name) !=
                 db::kOwnTables.end() &&
             db::has_install(c, t.schema);
  auto oid = std::string(rel.get(0, 0));
  out.replica_identity = rel.get(0, 1).empty() ? 'd' : rel.get(0, 1)[0];
  // A domain is compared as its base type (the demo's keys are a domain over text).
  // An enum type comes with its qualified name and its labels in order (a JSON array).
  auto cols = c.exec(
      "SELECT a.attname, CASE WHEN t.typtype = 'd' THEN format_type(t.typbasetype, t.typtypmod)"
      " ELSE format_type(a.atttypid, a.atttypmod) END, a.attnotnull, a.atthasdef,"
      " CASE WHEN t.typtype = 'e' THEN quote_ident(n.nspname) || '.' || quote_ident(t.typname)"
      " END, CASE WHEN t.typtype = 'e' THEN (SELECT jsonb_agg(e.enumlabel ORDER BY"
      " e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = t.oid)::text END"
      " FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid"
      " JOIN pg_namespace n ON n.oid = t.typnamespace"
      " WHERE a.attrelid = $1::oid AND a.attnum > 0 AND NOT a.attisdropped",
      {oid});
  for (int i = 0; i < cols.size(); ++i) {
    Column col{std::string(cols.get(i, 1)),
               cols.get_bool(i, 2),
               cols.get_bool(i, 3),
               std::string(cols.get(i, 4)),
               {}};
    if (!col.enum_type.empty() && !cols.is_null(i, 5)) {
      const auto labels = parse_json(cols.get(i, 5));
      for (const auto& l : labels.as_array()) col.labels.emplace_back(l.as_string());
    }
    out.columns[std::string(cols.get(i, 0))] = std::move(col);
  }
  // Valid plain indexes (no predicate, no expression), each as its columns in key order.
  auto idx = c.exec(
      "SELECT i.indisunique, (SELECT string_agg(a.attname, ',' ORDER BY k.n) FROM"
      " unnest(i.indkey) WITH ORDINALITY k(attnum, n) JOIN pg_attribute a ON a.attrelid ="
      " i.indrelid AND a.attnum = k.attnum) FROM pg_index i WHERE i.indrelid = $1::oid"
      " AND i.indisvalid AND i.indpred IS NULL AND i.indexprs IS NULL",
      {oid});
  for (int i = 0; i < idx.size(); ++i) {
    Columns ordered;
    std::string list(idx.get(i, 1));
    for (std::size_t start = 0; start <= list.size();) {
      auto comma = list.find(',', start);
      ordered.push_back(list.substr(start, comma - start));
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
    if (idx.get_bool(i, 0)) out.unique.emplace_back(ordered.begin(), ordered.end());
    out.indexes.push_back(std::move(ordered));
  }
  return out;
}

// The indexes pages are read by (DATA-SCALE-001): (org, key) for the list order, and
// (org, column, key) for each field shapes filter on (`index:`).
struct WantedIndex {
  std::string name;
  Columns columns;
  std::string why;
};
std::vector<WantedIndex> wanted_indexes(const EntityType& t) {
  std::vector<WantedIndex> out{
      {t.table_name + "_syncline_order", {t.org_column, t.key_column}, "list pages in key order"}};
  for (const auto& f : t.fields)
    if (f.indexed)
      out.push_back({t.table_name + "_syncline_" + f.column,
                     {t.org_column, f.column, t.key_column},
                     "list pages of shapes filtering on '" + f.json + "'"});
  return out;
}

std::string column_list(const Columns& cols) {
  std::string out;
  for (const auto& c : cols) out += (out.empty() ? "" : ", ") + c;
  return out;
}

std::string sql_column_list(const Columns& cols) {
  std::string out;
  for (const auto& c : cols) out += (out.empty() ? "" : ", ") + ident(c);
  return out;
}

bool starts(const std::string& s, std::initializer_list<const char*> prefixes) {
  return std::any_of(prefixes.begin(), prefixes.end(),
                     [&](const char* p) { return s.rfind(p, 0) == 0; });
}

bool texty(const std::string& type) {
  return starts(type, {"text", "character varying", "character"});
}

// The column types a field of this kind can live in: an enum field also in a Postgres enum
// type (that has its values: value_mismatch).
bool compatible(FieldKind k, const Column& column) {
  const std::string& type = column.type;
  switch (k) {
    case FieldKind::kEnum:
      return texty(type) || !column.enum_type.empty();
    case FieldKind::kText:
    case FieldKind::kId:
    case FieldKind::kRef:
      return texty(type);
    case FieldKind::kInteger:
      return type == "bigint" || type == "integer" || type == "smallint";
    case FieldKind::kNumber:
      return type == "double precision" || type == "real" || starts(type, {"numeric"});
    case FieldKind::kBoolean:
      return type == "boolean";
    case FieldKind::kTimestamp:
      return type == "timestamp with time zone";
    case FieldKind::kJson:
      return type == "jsonb";
  }
  return false;
}

const char* wanted(FieldKind k) {
  switch (k) {
    case FieldKind::kInteger:
      return "bigint, integer or smallint";
    case FieldKind::kNumber:
      return "double precision, real or numeric";
    case FieldKind::kBoolean:
      return "boolean";
    case FieldKind::kTimestamp:
      return "timestamp with time zone";
    case FieldKind::kJson:
      return "jsonb";
    case FieldKind::kEnum:
      return "text, character varying or an enum type";
    default:
      return "text or character varying";
  }
}

// Column definition for CREATE TABLE / ADD COLUMN. `strict`: NOT NULL where the field says so
// (a new table); on an existing table added columns stay nullable (its rows have no value).
std::string column_def(const Field& f, bool strict) {
  std::string d = ident(f.column) + " " + f.sql_type();
  if (!f.sql_default.empty()) d += " DEFAULT " + f.sql_default;
  if (f.audit == Audit::kCreatedAt || f.audit == Audit::kModifiedAt) d += " DEFAULT now()";
  if (strict && !f.nullable) d += " NOT NULL";
  return d;
}

struct Findings {
  std::vector<std::string> fixable;    // schema apply makes these true
  std::vector<std::string> unfixable;  // only the app's owner can
  std::vector<WantedIndex> indexes;    // missing; schema apply builds them
  std::vector<std::string> warnings;   // allowed, but worth knowing
};

// The n of "character varying(n)" / "character(n)", or nullopt (text, unbounded varchar).
std::optional<std::size_t> declared_length(const std::string& type) {
  auto open = type.find('(');
  if (open == std::string::npos || !starts(type, {"character"})) return std::nullopt;
  return static_cast<std::size_t>(std::stoul(type.substr(open + 1)));
}

// The values an integer column holds (smallint, integer; bigint holds what JSON integers do).
std::optional<std::pair<double, double>> integer_range(const std::string& type) {
  if (type == "smallint") return std::pair{-32768.0, 32767.0};
  if (type == "integer") return std::pair{-2147483648.0, 2147483647.0};
  return std::nullopt;
}

// ADOPT-003: a value the field accepts must fit the column, or a valid write answers an error
// from the database instead of a 400 naming the field.
std::optional<std::string> value_mismatch(const Field& f, const Column& column) {
  const std::string& type = column.type;
  if (!column.enum_type.empty())
    for (const auto& v : f.values)
      if (std::find(column.labels.begin(), column.labels.end(), v) == column.labels.end())
        return fmt::format(
            "field '{}' allows '{}', which column {} (enum type {}) does not have "
            "(ALTER TYPE {} ADD VALUE, or leave it out of the field's values)",
            f.json, v, f.column, column.enum_type, column.enum_type);
  if (auto n = declared_length(type); n && f.max_len > *n && f.kind != FieldKind::kJson)
    return fmt::format(
        "field '{}' allows {} characters but column {} is {} (set max: {} or widen "
        "the column)",
        f.json, f.max_len, f.column, type, *n);
  if (f.kind != FieldKind::kInteger) return std::nullopt;
  if (auto range = integer_range(type);
      range && (!f.min || !f.max || *f.min < range->first || *f.max > range->second))
    return fmt::format(
        "field '{}' allows integers outside {}..{}, the range of column {} ({}): "
        "set min and max within it",
        f.json, range->first, range->second, f.column, type);
  return std::nullopt;
}

std::string sentence(const EntityType& t, const WantedIndex& w) {
  return t.table + ": no index on (" + column_list(w.columns) + ") to " + w.why +
         " (schema apply builds it; with --concurrently without blocking writes)";
}

std::string create_index(const EntityType& t, const WantedIndex& w, bool concurrently) {
  return std::string("CREATE INDEX ") + (concurrently ? "CONCURRENTLY " : "") + "IF NOT EXISTS " +
         ident(w.name) + " ON " + t.sql_table + " (" + sql_column_list(w.columns) + ")";
}

Findings findings(const EntityType& t, const Table& table) {
  Findings out;
  auto where = t.table + ": ";
  if (table.ours) {
    // ADOPT-003: a member could read the ledger or write rows in another user's name.
    out.unfixable.push_back(where + "is one of Syncline's own tables, never a synced type's");
    return out;
  }
  if (!table.exists) {
    out.fixable.push_back(where + "missing table (schema apply creates it)");
    return out;
  }
  auto column = [&](const std::string& name) -> const Column* {
    auto it = table.columns.find(name);
    return it == table.columns.end() ? nullptr : &it->second;
  };
  for (const auto& [name, what] : {std::pair{t.key_column, "key"}, {t.org_column, "org"}}) {
    const auto* c = column(name);
    if (!c) {
      out.unfixable.push_back(where + "missing " + what + " column " + name);
    } else if (!texty(c->type)) {
      out.unfixable.push_back(where + what + " column " + name + " is " + c->type +
                              "; Syncline ids are text");
    } else if (!c->not_null) {
      out.unfixable.push_back(where + what + " column " + name + " may be null");
    }
  }
  bool owner_is_field = std::any_of(t.fields.begin(), t.fields.end(),
                                    [&](const Field& f) { return f.column == t.owner_column; });
  if (!t.owner_column.empty() && !owner_is_field) {
    const auto* c = column(t.owner_column);
    if (!c)
      out.fixable.push_back(where + "missing owner column " + t.owner_column +
                            " (schema apply adds it)");
    else if (!texty(c->type))
      out.unfixable.push_back(where + "owner column " + t.owner_column + " is " + c->type +
                              "; user ids are text");
  }
  std::set<std::string> written{t.key_column, t.org_column, "tx", "field_tx", t.owner_column};
  for (const auto& f : t.fields) {
    written.insert(f.column);
    const auto* c = column(f.column);
    if (!c) {
      out.fixable.push_back(where + "missing column " + f.column + " for field '" + f.json +
                            "' (schema apply adds it)");
    } else if (!compatible(f.kind, *c)) {
      out.unfixable.push_back(fmt::format("{}column {} is {}, but field '{}' ({}) needs {}", where,
                                          f.column, c->type, f.json, kind_name(f.kind),
                                          wanted(f.kind)));
    } else if (auto why = value_mismatch(f, *c)) {
      out.unfixable.push_back(where + *why);
    }
  }
  const auto* tx = column("tx");
  if (!tx)
    out.fixable.push_back(where + "missing column tx (schema apply adds it)");
  else if (tx->type != "jsonb")
    out.unfixable.push_back(where + "column tx is " + tx->type + ", not jsonb");
  const auto* ftx = column("field_tx");
  if (!ftx) {
    out.fixable.push_back(where + "missing column field_tx (schema apply adds it)");
  } else if (ftx->type != "jsonb" || !ftx->not_null) {
    out.unfixable.push_back(where + "column field_tx must be jsonb NOT NULL DEFAULT '{}'");
  }
  std::set<std::string> key{t.org_column, t.key_column};
  if (std::find(table.unique.begin(), table.unique.end(), std::set<std::string>{t.key_column}) !=
      table.unique.end())
    out.warnings.push_back(where + "key " + t.key_column +
                           " is unique across organizations: a create answers 409 "
                           "CONSTRAINT_VIOLATION for an id another organization holds, so one "
                           "tenant can learn which ids another uses");
  if (std::find(table.unique.begin(), table.unique.end(), key) == table.unique.end())
    out.fixable.push_back(where + "no unique index on (" + t.org_column + ", " + t.key_column +
                          ") (schema apply creates one)");
  if (table.replica_identity != 'f')
    out.fixable.push_back(where + "replica identity is not FULL (schema apply sets it)");
  for (auto& w : wanted_indexes(t))
    if (!has_leading(table, w.columns)) out.indexes.push_back(std::move(w));
  for (const auto& [name, c] : table.columns)
    if (c.not_null && !c.has_default && !written.count(name))
      out.unfixable.push_back(where + "column " + name +
                              " is NOT NULL without a default, but no field writes it");
  return out;
}

std::vector<std::string> apply_one(db::Connection& c, const EntityType& t, const Table& table) {
  std::vector<std::string> done;
  if (t.schema != "public") c.exec("CREATE SCHEMA IF NOT EXISTS " + ident(t.schema));
  if (!table.exists) {
    std::string cols =
        ident(t.key_column) + " text NOT NULL, " + ident(t.org_column) + " text NOT NULL";
    if (!t.owner_column.empty() &&
        std::none_of(t.fields.begin(), t.fields.end(),
                     [&](const Field& f) { return f.column == t.owner_column; }))
      cols += ", " + ident(t.owner_column) + " text";
    for (const auto& f : t.fields) cols += ", " + column_def(f, true);
    cols += ", tx jsonb, field_tx jsonb NOT NULL DEFAULT '{}', PRIMARY KEY (" +
            ident(t.org_column) + ", " + ident(t.key_column) + ")";
    c.exec("CREATE TABLE " + t.sql_table + " (" + cols + ")");
    c.exec("ALTER TABLE " + t.sql_table + " REPLICA IDENTITY FULL");
    done.push_back(t.table + ": created");
    return done;
  }
  std::set<std::string> added;
  auto add = [&](const std::string& def, const std::string& name) {
    if (table.columns.count(name) || !added.insert(name).second) return;
    c.exec("ALTER TABLE " + t.sql_table + " ADD COLUMN " + def);
    done.push_back(t.table + ": added column " + name);
  };
  for (const auto& f : t.fields) add(column_def(f, false), f.column);
  if (!t.owner_column.empty()) add(ident(t.owner_column) + " text", t.owner_column);
  add("tx jsonb", "tx");
  add("field_tx jsonb NOT NULL DEFAULT '{}'", "field_tx");
  std::set<std::string> key{t.org_column, t.key_column};
  if (std::find(table.unique.begin(), table.unique.end(), key) == table.unique.end()) {
    c.exec("CREATE UNIQUE INDEX " + ident(t.table_name + "_syncline_key") + " ON " + t.sql_table +
           " (" + ident(t.org_column) + ", " + ident(t.key_column) + ")");
    done.push_back(t.table + ": unique index on (" + t.org_column + ", " + t.key_column + ")");
  }
  if (table.replica_identity != 'f') {
    c.exec("ALTER TABLE " + t.sql_table + " REPLICA IDENTITY FULL");
    done.push_back(t.table + ": replica identity FULL");
  }
  return done;
}

// The indexes `t` lacks, built now (inside the caller's transaction, or CONCURRENTLY outside
// any); one sentence each.
std::vector<std::string> build_indexes(db::Connection& c, const EntityType& t, bool concurrently) {
  std::vector<std::string> done;
  for (const auto& w : findings(t, inspect(c, t)).indexes) {
    c.exec(create_index(t, w, concurrently));
    done.push_back(t.table + ": index on (" + column_list(w.columns) + ")" +
                   (concurrently ? " (built concurrently)" : ""));
  }
  return done;
}

}  // namespace

CheckResult check_schema(db::Connection& c, const std::vector<EntityType>& types) {
  CheckResult out;
  for (const auto& t : types) {
    auto f = findings(t, inspect(c, t));
    auto& p = out.problems;
    p.insert(p.end(), f.unfixable.begin(), f.unfixable.end());
    p.insert(p.end(), f.fixable.begin(), f.fixable.end());
    auto enums = enum_constraint_mismatches(c, t);
    p.insert(p.end(), enums.begin(), enums.end());
    for (const auto& w : f.indexes) out.slow.push_back(sentence(t, w));
    out.warnings.insert(out.warnings.end(), f.warnings.begin(), f.warnings.end());
  }
  return out;
}

std::vector<EntityType> with_column_types(db::Connection& c, std::vector<EntityType> types) {
  for (auto& t : types) {
    const auto table = inspect(c, t);
    for (auto& f : t.fields)
      if (auto it = table.columns.find(f.column); it != table.columns.end())
        f.column_type = it->second.enum_type;
  }
  return types;
}

ApplyResult apply_schema(db::Connection& c, const std::vector<EntityType>& types,
                         const ApplyOptions& options) {
  ApplyResult r;
  // Before the transaction: evaluating an app's constraint may raise (enum_constraints.h).
  for (const auto& t : types) {
    auto enums = enum_constraint_mismatches(c, t);
    r.problems.insert(r.problems.end(), enums.begin(), enums.end());
  }
  if (!r.problems.empty()) return r;
  db::Transaction tx(c);
  std::vector<Table> tables;
  for (const auto& t : types) {
    tables.push_back(inspect(c, t));
    auto f = findings(t, tables.back());
    r.problems.insert(r.problems.end(), f.unfixable.begin(), f.unfixable.end());
  }
  if (!r.problems.empty()) return r;  // nothing changed (the transaction rolls back)
  for (std::size_t i = 0; i < types.size(); ++i) {
    auto done = apply_one(c, types[i], tables[i]);
    if (!options.concurrently) {
      auto built = build_indexes(c, types[i], false);
      done.insert(done.end(), built.begin(), built.end());
    }
    r.changes.insert(r.changes.end(), done.begin(), done.end());
  }
  // What remains would be a bug of apply_one: refuse rather than commit half.
  for (const auto& t : types) {
    auto f = findings(t, inspect(c, t));
    r.problems.insert(r.problems.end(), f.unfixable.begin(), f.unfixable.end());
    r.problems.insert(r.problems.end(), f.fixable.begin(), f.fixable.end());
    if (!options.concurrently)
      for (const auto& w : f.indexes) r.problems.push_back(sentence(t, w));
  }
  if (!r.problems.empty()) {
    r.changes.clear();
    return r;
  }
  tx.commit();
  // CREATE INDEX CONCURRENTLY runs outside any transaction, one statement per index: writes
  // to the table go on meanwhile. An interrupted build leaves an invalid index, which
  // inspect() does not count, so the next apply builds it again (IF NOT EXISTS would keep
  // the invalid one: it is dropped first).
  if (options.concurrently)
    for (const auto& t : types) {
      for (const auto& w : findings(t, inspect(c, t)).indexes) {
        auto invalid = c.exec(
            "SELECT 1 FROM pg_index i JOIN pg_class x ON x.oid = i.indexrelid JOIN pg_namespace n"
            " ON n.oid = x.relnamespace WHERE NOT i.indisvalid AND n.nspname = $1 AND"
            " x.relname = $2",
            {t.schema, w.name});
        if (!invalid.empty())
          c.exec("DROP INDEX CONCURRENTLY " + ident(t.schema) + "." + ident(w.name));
      }
      auto built = build_indexes(c, t, true);
      r.changes.insert(r.changes.end(), built.begin(), built.end());
    }
  return r;
}

}  // namespace syncline::entities
