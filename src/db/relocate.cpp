#include "db/relocate.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "db/own_schema.h"
#include "db/own_tables.h"
#include "db/sql.h"

namespace syncline::db {

namespace {

std::string qualified(const std::string& schema, std::string_view name) {
  return ident(schema) + "." + ident(name);
}

bool table_exists(Connection& c, const std::string& schema, std::string_view table) {
  return c.exec("SELECT to_regclass($1) IS NOT NULL", {qualified(schema, table)}).get_bool(0, 0);
}

std::vector<std::string> ledger_versions(Connection& c, const std::string& schema) {
  std::vector<std::string> out;
  auto r = c.exec("SELECT version::text FROM " + qualified(schema, "schema_migrations"));
  for (int i = 0; i < r.size(); ++i) out.emplace_back(r.get(i, 0));
  return out;
}

// Releases before the namespace named their connections so (db/own_schema.h): every `serve` or
// `all` node holds a bus connection, and the active CDC worker a walsender.
Result<void> refuse_if_previous_release_connected(Connection& c) {
  auto r = c.exec(
      "SELECT string_agg(application_name || ' (pid ' || pid || ')', ', ' ORDER BY pid)"
      " FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
      " AND application_name IN ('syncline-bus', 'syncline-bus-lane', 'syncline-cdc')");
  if (r.is_null(0, 0)) return {};
  return make_error(ErrorKind::kConflict, "PREVIOUS_RELEASE_CONNECTED",
                    "processes of the previous Syncline release are connected (" +
                        std::string(r.get(0, 0)) +
                        "): stop or upgrade them, then run migrate again; nothing was moved");
}

// The ledger: the whole table when it holds only our rows, else only our rows (an app's own
// `schema_migrations`, into which an old release wrote, keeps its rows and shape).
void move_ledger(Connection& c, const std::string& from, const std::vector<std::string>& ours) {
  const auto target = own_schema();
  auto rows = ledger_versions(c, from);
  auto cols = c.exec(
      "SELECT string_agg(attname, ',' ORDER BY attnum) FROM pg_attribute"
      " WHERE attrelid = to_regclass($1) AND attnum > 0 AND NOT attisdropped",
      {qualified(from, "schema_migrations")});
  bool only_ours = std::all_of(rows.begin(), rows.end(), [&](const std::string& v) {
    return std::find(ours.begin(), ours.end(), v) != ours.end();
  });
  if (only_ours && cols.get(0, 0) == "version,applied_at") {
    c.exec("ALTER TABLE " + qualified(from, "schema_migrations") + " SET SCHEMA " + ident(target));
    return;
  }
  c.exec("CREATE TABLE " + qualified(target, "schema_migrations") +
         " (version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())");
  std::string list = "{";
  for (const auto& v : ours) list += (list.size() > 1 ? "," : "") + v;
  list += "}";
  c.exec("INSERT INTO " + qualified(target, "schema_migrations") +
             " (version) SELECT version::text"
             " FROM " +
             qualified(from, "schema_migrations") + " WHERE version::text = ANY($1::text[])",
         {list});
  c.exec("DELETE FROM " + qualified(from, "schema_migrations") +
             " WHERE version::text = ANY($1::text[])",
         {list});
}

}  // namespace

bool has_install(Connection& c, const std::string& schema) {
  if (!table_exists(c, schema, "schema_migrations") || !table_exists(c, schema, "cdc_workers"))
    return false;
  return !c.exec("SELECT 1 FROM " + qualified(schema, "schema_migrations") +
                 " WHERE version::text = '001_initial'")
              .empty();
}

Result<std::optional<std::string>> find_previous_install(Connection& c) {
  auto candidates = c.exec(
      "SELECT n.nspname FROM pg_namespace n WHERE n.nspname <> $1"
      " AND n.nspname NOT LIKE 'pg\\_%' AND n.nspname <> 'information_schema'"
      " AND EXISTS (SELECT 1 FROM pg_class t WHERE t.relnamespace = n.oid"
      "             AND t.relname = 'cdc_workers' AND t.relkind = 'r')"
      " ORDER BY 1",
      {own_schema()});
  std::vector<std::string> found;
  for (int i = 0; i < candidates.size(); ++i) {
    std::string schema(candidates.get(i, 0));
    if (has_install(c, schema)) found.push_back(schema);
  }
  if (found.empty()) return std::optional<std::string>();
  if (has_install(c, own_schema())) found.push_back(own_schema());
  if (found.size() > 1)
    return make_error(ErrorKind::kConflict, "SEVERAL_INSTALLS",
                      fmt::format("Syncline is installed more than once in this database ({}); "
                                  "one install per database: drop the ones not in use",
                                  fmt::join(found, ", ")));
  return std::optional<std::string>(found.front());
}

Result<void> relocate(Connection& c, const std::string& from,
                      const std::vector<std::string>& ours) {
  if (auto ok = refuse_if_previous_release_connected(c); !ok) return ok;
  const auto target = ident(own_schema());
  // Tables this release made (migrations 012 to 015) never were in a previous release's place: a
  // table of that name there is the app's.
  auto made_since = [](std::string_view t) {
    return t == "sign_in_backoff" || t == "sign_up_counts" || t == "invitations" ||
           t == "field_history" || t == "presence";
  };
  for (auto table : kOwnTables)
    if (table != "schema_migrations" && !made_since(table) && table_exists(c, from, table))
      c.exec("ALTER TABLE " + qualified(from, table) + " SET SCHEMA " + target);
  for (const char* fn :
       {"syncline_valid_tx(jsonb)", "syncline_abort(text)", "syncline_not_applied()"}) {
    std::string name = ident(from) + "." + fn;
    if (c.exec("SELECT to_regprocedure($1) IS NOT NULL", {name}).get_bool(0, 0))
      c.exec("ALTER FUNCTION " + name + " SET SCHEMA " + target);
  }
  if (c.exec("SELECT to_regtype($1) IS NOT NULL", {qualified(from, "syncline_id")}).get_bool(0, 0))
    c.exec("ALTER DOMAIN " + qualified(from, "syncline_id") + " SET SCHEMA " + target);
  move_ledger(c, from, ours);
  spdlog::info("moved Syncline's objects from schema {} to {}", from, own_schema());
  return {};
}

}  // namespace syncline::db
