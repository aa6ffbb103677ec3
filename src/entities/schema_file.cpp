#include "entities/schema_file.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "common/json_text.h"
#include "db/own_tables.h"
#include "db/sql.h"

namespace syncline::entities {

namespace {

constexpr std::size_t kDefaultTextMax = 10'000;
constexpr std::size_t kDefaultJsonBytes = 16'384;
constexpr std::size_t kMaxJsonBytes = 1u << 20;

// Thrown inside the parser only, turned into a SchemaError at its boundary.
struct Problem {
  int line;
  std::string reason;
};

[[noreturn]] void fail(const YAML::Node& at, std::string reason) {
  throw Problem{at.Mark().line >= 0 ? at.Mark().line + 1 : 0, std::move(reason)};
}

bool matches(const std::string& s, const std::string& pattern) {
  return std::regex_match(s, std::regex(pattern));
}

std::string scalar(const YAML::Node& n, const std::string& what) {
  if (!n.IsScalar()) fail(n, what + " must be a single value");
  return n.Scalar();
}

// SQL names as the catalog spells them; every statement quotes them (db::ident), so reserved
// words ("order") and mixed case ("displayName") name exactly that column (ADOPT-003).
constexpr const char* kIdentifier = "[A-Za-z_][A-Za-z0-9_]{0,62}";

std::string identifier(const YAML::Node& n, const std::string& what) {
  auto s = scalar(n, what);
  if (!matches(s, kIdentifier))
    fail(n, what + " '" + s + "' is not an SQL identifier ([A-Za-z_][A-Za-z0-9_]{0,62})");
  return s;
}

bool boolean(const YAML::Node& n, const std::string& what) {
  auto s = scalar(n, what);
  if (s == "true") return true;
  if (s == "false") return false;
  fail(n, what + " must be true or false");
}

double number(const YAML::Node& n, const std::string& what) {
  auto s = scalar(n, what);
  double d = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), d);
  if (ec != std::errc() || p != s.data() + s.size() || !std::isfinite(d))
    fail(n, what + " must be a number");
  return d;
}

std::size_t count(const YAML::Node& n, const std::string& what, std::size_t lo, std::size_t hi) {
  auto d = number(n, what);
  if (d != std::floor(d) || d < static_cast<double>(lo) || d > static_cast<double>(hi))
    fail(n, fmt::format("{} must be a whole number in {}..{}", what, lo, hi));
  return static_cast<std::size_t>(d);
}

void only_keys(const YAML::Node& map, std::initializer_list<const char*> allowed,
               const std::string& where) {
  for (auto it = map.begin(); it != map.end(); ++it) {
    auto k = it->first.Scalar();
    if (std::none_of(allowed.begin(), allowed.end(), [&](const char* a) { return k == a; }))
      fail(it->first, "unknown key '" + k + "' in " + where);
  }
}

std::string snake_case(const std::string& camel) {
  std::string out;
  for (char c : camel) {
    if (std::isupper(static_cast<unsigned char>(c))) {
      out += '_';
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    } else {
      out += c;
    }
  }
  return out;
}

std::string quoted(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}

FieldKind kind_of(const YAML::Node& n) {
  auto k = scalar(n, "kind");
  for (auto kind :
       {FieldKind::kText, FieldKind::kEnum, FieldKind::kId, FieldKind::kRef, FieldKind::kNumber,
        FieldKind::kInteger, FieldKind::kBoolean, FieldKind::kTimestamp, FieldKind::kJson})
    if (k == kind_name(kind)) return kind;
  fail(n,
       "unknown kind '" + k + "' (text, enum, id, ref, integer, number, boolean, timestamp, json)");
}

Audit audit_of(const YAML::Node& n, FieldKind kind) {
  auto s = scalar(n, "server");
  Audit a = s == "created_at"    ? Audit::kCreatedAt
            : s == "created_by"  ? Audit::kCreatedBy
            : s == "modified_at" ? Audit::kModifiedAt
            : s == "modified_by" ? Audit::kModifiedBy
                                 : Audit::kNone;
  if (a == Audit::kNone)
    fail(n, "server must be created_at, created_by, modified_at or modified_by");
  bool at = a == Audit::kCreatedAt || a == Audit::kModifiedAt;
  if (at && kind != FieldKind::kTimestamp) fail(n, "server: " + s + " needs kind: timestamp");
  if (!at && kind != FieldKind::kId) fail(n, "server: " + s + " needs kind: id");
  return a;
}

// The SQL literal for a declared default, checked against the field.
std::string default_literal(const YAML::Node& n, const Field& f) {
  auto s = scalar(n, "default");
  switch (f.kind) {
    case FieldKind::kText:
      if (s.size() > f.max_len) fail(n, "default is longer than max");
      return quoted(s);
    case FieldKind::kEnum:
      if (std::find(f.values.begin(), f.values.end(), s) == f.values.end())
        fail(n, "default '" + s + "' is not one of the values");
      return quoted(s);
    case FieldKind::kNumber:
    case FieldKind::kInteger: {
      double d = number(n, "default");
      if (f.kind == FieldKind::kInteger && d != std::floor(d)) fail(n, "default must be whole");
      if ((f.min && d < *f.min) || (f.max && d > *f.max)) fail(n, "default is out of bounds");
      return fmt::format("{}", d);
    }
    case FieldKind::kBoolean:
      return boolean(n, "default") ? "true" : "false";
    default:
      fail(n, std::string("a ") + kind_name(f.kind) + " field takes no default");
  }
}

// The kind's own keys: a text's max, an enum's values, a ref's target, numeric bounds, a json
// field's max_bytes.
void parse_kind_keys(Field& f, const YAML::Node& spec) {
  switch (f.kind) {
    case FieldKind::kText:
      f.max_len = spec["max"] ? count(spec["max"], "max", 1, 1'000'000) : kDefaultTextMax;
      break;
    case FieldKind::kEnum: {
      auto v = spec["values"];
      if (!v || !v.IsSequence() || v.size() == 0) fail(spec, "an enum needs values: [a, b, …]");
      for (const auto& x : v) {
        auto s = scalar(x, "an enum value");
        if (s.empty() || s.size() > 64) fail(x, "enum values are 1..64 characters");
        if (std::find(f.values.begin(), f.values.end(), s) != f.values.end())
          fail(x, "enum value '" + s + "' is listed twice");
        f.values.push_back(s);
        f.max_len = std::max(f.max_len, s.size());
      }
      break;
    }
    case FieldKind::kId:
      f.max_len = 64;
      break;
    case FieldKind::kRef:
      if (!spec["to"]) fail(spec, "a ref needs to: <entity type>");
      f.ref = scalar(spec["to"], "to");
      f.max_len = 64;
      break;
    case FieldKind::kInteger:
    case FieldKind::kNumber:
      if (spec["min"]) f.min = number(spec["min"], "min");
      if (spec["max"]) f.max = number(spec["max"], "max");
      if (f.kind == FieldKind::kInteger &&
          ((f.min && *f.min != std::floor(*f.min)) || (f.max && *f.max != std::floor(*f.max))))
        fail(spec, "integer bounds must be whole numbers");
      if (f.min && f.max && *f.min > *f.max) fail(spec, "min is above max");
      break;
    case FieldKind::kJson:
      f.max_len = spec["max_bytes"] ? count(spec["max_bytes"], "max_bytes", 2, kMaxJsonBytes)
                                    : kDefaultJsonBytes;
      break;
    case FieldKind::kBoolean:
    case FieldKind::kTimestamp:
      break;
  }
}

// Keys of another kind are refused, not ignored (SCHEMA-002: a typo is an error with its line).
void refuse_other_kinds_keys(const Field& f, const YAML::Node& spec) {
  auto forbid = [&](const char* key) {
    if (spec[key])
      fail(spec[key], std::string(key) + " does not apply to a " + kind_name(f.kind) + " field");
  };
  const bool numeric = f.kind == FieldKind::kInteger || f.kind == FieldKind::kNumber;
  if (f.kind != FieldKind::kText && !numeric) forbid("max");
  if (!numeric) forbid("min");
  if (f.kind != FieldKind::kEnum) forbid("values");
  if (f.kind != FieldKind::kRef) forbid("to");
  if (f.kind != FieldKind::kJson) forbid("max_bytes");
}

// required, server (an audit field), default.
void parse_presence_keys(Field& f, const YAML::Node& spec) {
  if (spec["required"]) f.required = boolean(spec["required"], "required");
  if (spec["server"]) {
    f.audit = audit_of(spec["server"], f.kind);
    if (f.required || spec["default"])
      fail(spec, "a server field takes neither required nor default");
  }
  if (spec["default"]) {
    if (f.required) fail(spec["default"], "required and default exclude each other");
    f.sql_default = default_literal(spec["default"], f);
    f.default_json = f.kind == FieldKind::kText || f.kind == FieldKind::kEnum
                         ? json_text(boost::json::value(spec["default"].Scalar()))
                         : f.sql_default;  // numbers and booleans read the same in SQL and JSON
  }
}

// merge (manual | lww | text), index (shapes; refs by default), description.
void parse_behaviour_keys(Field& f, const YAML::Node& spec) {
  if (spec["merge"]) {
    auto m = scalar(spec["merge"], "merge");
    if (m != "manual" && m != "lww" && m != "text")
      fail(spec["merge"], "merge must be manual, text or lww");
    if (m == "text" && f.kind != FieldKind::kText)
      fail(spec["merge"], "merge: text is for text fields");
    f.merge_manual = m == "manual";
    f.merge_text = m == "text";
  }
  f.indexed = f.kind == FieldKind::kRef;
  if (spec["index"]) {
    f.indexed = boolean(spec["index"], "index");
    if (f.indexed && !is_filterable(f.kind))
      fail(spec["index"], std::string("a ") + kind_name(f.kind) +
                              " field cannot be indexed for shapes (shapes filter on text, "
                              "enum, id, ref, integer, number and boolean fields)");
  }
  if (spec["description"]) {
    f.description = scalar(spec["description"], "description");
    if (f.description.size() > 500) fail(spec["description"], "description is over 500 characters");
  }
}

Field parse_field(const std::string& name, const YAML::Node& spec) {
  if (!matches(name, "[a-z][A-Za-z0-9]{0,63}") || name == "id" || name == "organizationId")
    fail(spec, "field name '" + name +
                   "' must be camelCase [a-z][A-Za-z0-9]{0,63}, not id or "
                   "organizationId");
  if (!spec.IsMap()) fail(spec, "field '" + name + "' must be a map like {kind: text}");
  only_keys(spec,
            {"kind", "column", "max", "min", "values", "default", "required", "server", "merge",
             "to", "max_bytes", "description", "index"},
            "field '" + name + "'");
  if (!spec["kind"]) fail(spec, "field '" + name + "' has no kind");
  Field f;
  f.json = name;
  f.kind = kind_of(spec["kind"]);
  f.column = spec["column"] ? identifier(spec["column"], "column") : snake_case(name);
  parse_kind_keys(f, spec);
  refuse_other_kinds_keys(f, spec);
  parse_presence_keys(f, spec);
  parse_behaviour_keys(f, spec);
  f.nullable = !f.required && f.sql_default.empty();
  return f;
}

Grant grant_of(const YAML::Node& n) {
  auto s = scalar(n, "a grant");
  if (s == "all") return Grant::kAll;
  if (s == "own") return Grant::kOwn;
  if (s == "none") return Grant::kNone;
  fail(n, "a grant must be all, own or none");
}

Policy parse_grants(const YAML::Node& grants, bool has_owner) {
  Policy p;
  if (!grants) return p;
  if (!grants.IsMap()) fail(grants, "grants must map roles to actions");
  only_keys(grants, {"member", "admin"}, "grants");
  for (auto role = grants.begin(); role != grants.end(); ++role) {
    // (A copy: `->` of a yaml-cpp iterator returns a temporary, so a reference would dangle.)
    const YAML::Node actions = role->second;
    if (!actions.IsMap()) fail(actions, "grants of a role map actions to all, own or none");
    only_keys(actions, {"create", "read", "update", "delete"}, "grants");
    auto& row = role->first.Scalar() == "admin" ? p.admin : p.member;
    const char* names[] = {"create", "read", "update", "delete"};
    for (int op = 0; op < 4; ++op)
      if (auto g = actions[names[op]]) {
        row[op] = grant_of(g);
        if (row[op] == Grant::kOwn && !has_owner) fail(g, "an own grant needs owner: <column>");
      }
  }
  return p;
}

EntityType parse_type(const std::string& name, const YAML::Node& spec) {
  if (!matches(name, "[a-z][a-z0-9_]{0,31}"))
    fail(spec, "type name '" + name + "' must match [a-z][a-z0-9_]{0,31}");
  if (!spec.IsMap()) fail(spec, "type '" + name + "' must be a map");
  only_keys(spec, {"plural", "table", "key", "org", "owner", "fields", "grants"},
            "type '" + name + "'");
  EntityType t;
  t.name = name;
  t.plural = spec["plural"] ? scalar(spec["plural"], "plural") : name + "s";
  if (!matches(t.plural, "[a-z][a-z0-9_-]{0,63}"))
    fail(spec["plural"] ? spec["plural"] : spec,
         "plural '" + t.plural + "' must match [a-z][a-z0-9_-]{0,63}");
  if (t.plural == "memberships" || t.plural == "live")
    fail(spec["plural"] ? spec["plural"] : spec, "plural '" + t.plural + "' is a route of its own");
  auto table = spec["table"] ? scalar(spec["table"], "table") : t.plural;
  const auto& table_node = spec["table"] ? spec["table"] : spec;
  if (!matches(table, std::string("(") + kIdentifier + "\\.)?" + kIdentifier))
    fail(table_node, "table '" + table + "' must be [schema.]name of SQL identifiers");
  auto dot = table.find('.');
  t.schema = dot == std::string::npos ? "public" : table.substr(0, dot);
  t.table_name = dot == std::string::npos ? table : table.substr(dot + 1);
  if (db::is_reserved_schema(t.schema))
    fail(table_node, "table '" + table + "' is in schema " + t.schema +
                         ", which belongs to Postgres or Syncline; synced tables are the app's");
  t.table = t.schema + "." + t.table_name;
  t.sql_table = db::ident(t.schema) + "." + db::ident(t.table_name);
  if (spec["key"]) t.key_column = identifier(spec["key"], "key");
  t.key.column = t.key_column;
  t.key.max_len = 64;
  if (spec["org"]) t.org_column = identifier(spec["org"], "org");
  if (spec["owner"]) t.owner_column = identifier(spec["owner"], "owner");
  auto fields = spec["fields"];
  if (!fields || !fields.IsMap() || fields.size() == 0)
    fail(spec, "type '" + name + "' needs fields: {name: {kind: …}, …}");
  std::set<std::string> columns{t.key_column, t.org_column, "tx", "field_tx"};
  std::set<Audit> roles;
  for (auto it = fields.begin(); it != fields.end(); ++it) {
    auto f = parse_field(it->first.Scalar(), it->second);
    if (!columns.insert(f.column).second)
      fail(it->second, "column '" + f.column + "' is used twice in type '" + name + "'");
    if (f.audit != Audit::kNone && !roles.insert(f.audit).second)
      fail(it->second["server"], "the same server role is declared twice in type '" + name + "'");
    t.fields.push_back(std::move(f));
  }
  // The owner decides `own` grants: only the server may set it, or a member could make a
  // colleague's row its own (or give its row away) with one PATCH.
  for (const auto& f : t.fields)
    if (f.column == t.owner_column && f.writable())
      fail(spec["owner"], "owner '" + t.owner_column + "' is the column of field '" + f.json +
                              "', which clients write; declare it with server: created_by");
  t.policy = parse_grants(spec["grants"], !t.owner_column.empty());
  return t;
}

std::vector<EntityType> parse_root(const YAML::Node& root) {
  if (!root.IsMap()) fail(root, "the schema must be a map with version and types");
  only_keys(root, {"version", "types"}, "the schema");
  if (!root["version"] || scalar(root["version"], "version") != "1")
    fail(root["version"] ? root["version"] : root, "version must be 1");
  auto types = root["types"];
  if (!types || !types.IsMap() || types.size() == 0)
    fail(root, "types must declare at least one entity type");
  std::vector<EntityType> out;
  std::set<std::string> plurals, tables;
  for (auto it = types.begin(); it != types.end(); ++it) {
    auto t = parse_type(it->first.Scalar(), it->second);
    if (!plurals.insert(t.plural).second)
      fail(it->second, "route /" + t.plural + " is declared twice");
    if (!tables.insert(t.table).second) fail(it->second, "table " + t.table + " is declared twice");
    out.push_back(std::move(t));
  }
  // References name declared types (checked once all are known).
  for (auto it = types.begin(); it != types.end(); ++it) {
    const YAML::Node fields = it->second["fields"];
    for (auto f = fields.begin(); f != fields.end(); ++f)
      if (auto to = f->second["to"]) {
        auto target = to.Scalar();
        if (std::none_of(out.begin(), out.end(),
                         [&](const EntityType& t) { return t.name == target; }))
          fail(to, "ref to '" + target + "', which is not a declared type");
      }
  }
  return out;
}

}  // namespace

std::string SchemaError::message() const {
  return line > 0 ? fmt::format("{}:{}: {}", file, line, reason) : file + ": " + reason;
}

std::variant<std::vector<EntityType>, SchemaError> parse_schema(std::string_view yaml,
                                                                const std::string& file_name) {
  try {
    return parse_root(YAML::Load(std::string(yaml)));
  } catch (const Problem& p) {
    return SchemaError{file_name, p.line, p.reason};
  } catch (const YAML::Exception& e) {
    return SchemaError{file_name, e.mark.line >= 0 ? e.mark.line + 1 : 0, e.msg};
  }
}

std::variant<std::vector<EntityType>, SchemaError> load_schema_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) return SchemaError{path, 0, "cannot be read"};
  std::stringstream text;
  text << in.rdbuf();
  return parse_schema(text.str(), path);
}

}  // namespace syncline::entities
