// ADOPT-001 (DESIGN §19): Syncline's own objects live in one schema. Installed beside an app that
// already has tables named like ours, it creates nothing outside that schema except what
// `schema apply` adds for declared types, and the app's tables and rows stay as they were. An
// install made by a previous release (objects in `public`) is moved with nothing lost, only
// when no previous-release process is connected; an app's own `schema_migrations` keeps its rows.
#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <sstream>

#include "support/fixtures.h"
#include "support/mutations.h"

namespace syncline::test {

namespace {

namespace json = boost::json;

std::string file(const std::string& path) {
  std::ifstream f(path);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

// A Syncline command against `url` (env SYNCLINE_DB_SCHEMA applies when set).
int syncline(const std::string& url, std::vector<std::string> args, std::string* out = nullptr) {
  std::vector<std::string> argv{SYNCLINE_BINARY, "--database-url", url, "--log-level", "warn"};
  for (auto& a : args) argv.push_back(std::move(a));
  return run_command(argv, out);
}

// The relations, functions and types of a schema.
std::string objects_in(const std::string& schema, const std::string& url) {
  return sql_value(
      "SELECT string_agg(x, ',' ORDER BY x) FROM ("
      " SELECT 'rel:' || relname AS x FROM pg_class WHERE relnamespace = to_regnamespace('" +
          schema +
          "') UNION ALL SELECT 'fn:' || proname FROM pg_proc WHERE pronamespace = "
          "to_regnamespace('" +
          schema +
          "') UNION ALL SELECT 'type:' || typname FROM pg_type WHERE typnamespace ="
          " to_regnamespace('" +
          schema + "') AND typtype IN ('d', 'e', 'c') AND typrelid = 0) o",
      url);
}

// The app's own tables, named like Syncline's, with rows, a trigger and a Rails-style ledger.
void make_app_tables(const std::string& url) {
  sql_value(R"sql(
    CREATE TABLE public.users (id serial PRIMARY KEY, email text UNIQUE NOT NULL, plan text);
    CREATE TABLE public.organizations (id bigint PRIMARY KEY, title text NOT NULL);
    CREATE TABLE public.memberships (org bigint REFERENCES public.organizations, usr int
                                     REFERENCES public.users, PRIMARY KEY (org, usr));
    CREATE TABLE public.sessions (sid uuid PRIMARY KEY, usr int REFERENCES public.users,
                                  data jsonb);
    CREATE TABLE public.activities (id bigserial PRIMARY KEY, what text NOT NULL,
                                    at timestamptz NOT NULL DEFAULT now());
    CREATE TABLE public.schema_migrations (version character varying PRIMARY KEY);
    CREATE FUNCTION public.log_user() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN INSERT INTO public.activities(what) VALUES ('user ' || NEW.email); RETURN NEW; END $$;
    CREATE TRIGGER users_log AFTER INSERT ON public.users FOR EACH ROW EXECUTE FUNCTION
      public.log_user();
    INSERT INTO public.users(email, plan) VALUES ('ann@app.test', 'pro'), ('bob@app.test', NULL);
    INSERT INTO public.organizations VALUES (1, 'Acme'), (2, 'Globex');
    INSERT INTO public.memberships VALUES (1, 1), (2, 2);
    INSERT INTO public.sessions VALUES ('6f1c2d7e-0000-4000-8000-000000000001', 1, '{"a": 1}');
    INSERT INTO public.schema_migrations VALUES ('20240101120000'), ('20240215093000');
  )sql",
            url);
}

constexpr const char* kAppTables[] = {"public.users",       "public.organizations",
                                      "public.memberships", "public.sessions",
                                      "public.activities",  "public.schema_migrations"};

// Sets SYNCLINE_DB_SCHEMA for the children this scope starts (Server runs migrate, schema
// apply and the server itself).
struct DbSchemaEnv {
  explicit DbSchemaEnv(const char* schema) { setenv("SYNCLINE_DB_SCHEMA", schema, 1); }
  ~DbSchemaEnv() { unsetenv("SYNCLINE_DB_SCHEMA"); }
};

}  // namespace

// ADOPT-001: migrate, apply, serve and sync beside an app whose tables are named like ours. The
// schema is named by --db-schema (the environment here), not the role's "$user": the server
// finds its tables by itself.
TEST(Namespace, BesideAnAppsOwnTablesNothingOfItsChangesADOPT001) {
  ScratchDatabase db("adopt");
  make_app_tables(db.url());
  std::map<std::string, std::string> before;
  for (const char* t : kAppTables) before[t] = table_checksum(t, db.url());
  const auto public_before = objects_in("public", db.url());

  {
    DbSchemaEnv env("sl_app");
    Server server(db.url(), "all",
                  {"--slot", db.name(), "--publication", db.name() + "_pub", "--tx-publication",
                   db.name() + "_tx"});
    Http http(server.port());
    auto user = sign_up(http, "Adopter");
    auto org = create_org(http, user);
    std::string org_id(org["id"].as_string());
    auto created =
        http.send("POST", "/organizations/" + org_id + "/pages",
                  create_body({{"id", "welcome"}, {"name", "Welcome"}}, next_tx_id()), user.token);
    ASSERT_EQ(created.status, 201) << created.body;
    // The CDC worker logs it in our schema's activity log, and the list reads it back.
    EXPECT_TRUE(wait_until([&] {
      return sql_value("SELECT count(*) FROM sl_app.activities WHERE organization_id = '" + org_id +
                           "' AND entity_id = 'welcome'",
                       db.url()) == "1";
    }));
    auto list = http.send("GET", "/organizations/" + org_id + "/pages", {}, user.token);
    ASSERT_EQ(list.status, 200) << list.body;
    EXPECT_NE(list.body.find("\"welcome\""), std::string::npos) << list.body;
    auto me = http.send("GET", "/me", {}, user.token);
    EXPECT_EQ(me.status, 200) << me.body;
    server.stop();
  }

  for (const char* t : kAppTables) EXPECT_EQ(table_checksum(t, db.url()), before[t]) << t;
  // In public: the app's objects plus the demo's declared tables (schema apply) and nothing else.
  auto added = sql_column(
      "SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace"
      " AND relkind IN ('r', 'S', 'v', 'm', 'f', 'p') ORDER BY 1",
      db.url());
  EXPECT_EQ(objects_in("public", db.url()).find("fn:syncline"), std::string::npos);
  std::vector<std::string> tables;
  for (const auto& r : added)
    if (public_before.find("rel:" + r + ",") == std::string::npos &&
        !public_before.ends_with("rel:" + r))
      tables.push_back(r);
  EXPECT_EQ(tables, (std::vector<std::string>{"attachments", "pages"}));
  // Ours are all in sl_app, the ledger too; the app's Rails ledger was not written to.
  auto ours = objects_in("sl_app", db.url());
  for (const char* o : {"rel:activities", "rel:users", "rel:organizations", "rel:sessions",
                        "rel:schema_migrations", "fn:syncline_valid_tx", "type:syncline_id"})
    EXPECT_NE(ours.find(o), std::string::npos) << o << " in " << ours;
  EXPECT_EQ(
      sql_value("SELECT count(*) FROM sl_app.schema_migrations WHERE version LIKE '0%'", db.url()),
      sql_value("SELECT count(*) FROM schema_migrations WHERE version LIKE '0%'"));
}

// ADOPT-001: a previous release's install (every migration applied in `public`, with rows, its
// ledger rows inside an app's own schema_migrations) is moved only once no previous-release
// process is connected; afterwards every row is there, sessions still sign in, ids go on.
TEST(Namespace, PreviousReleaseInstallIsMovedWithNothingLostADOPT001) {
  ScratchDatabase db("moved");
  const auto& url = db.url();
  sql_value(
      "CREATE TABLE schema_migrations (version character varying PRIMARY KEY);"
      "INSERT INTO schema_migrations VALUES ('20231107000000');",
      url);
  for (const char* m :
       {"001_initial", "002_write_path_abort", "003_applied_transactions_per_user",
        "004_org_scoped_ids", "005_external_orgs", "006_not_applied_sqlstate", "007_pending_epochs",
        "008_valid_tx_plpgsql", "009_list_indexes", "010_activity_floors", "011_refetch_markers"}) {
    sql_value(file(std::string(SYNCLINE_SOURCE_DIR "/migrations/") + m + ".sql"), url);
    sql_value(std::string("INSERT INTO schema_migrations(version) VALUES ('") + m + "')", url);
  }
  sql_value(R"sql(
    INSERT INTO users(id, email, name, password_hash) VALUES ('u1', 'u1@x.test', 'U', 'h');
    INSERT INTO organizations(id, slug, name) VALUES ('o1', 'o1', 'O1');
    INSERT INTO memberships(id, organization_id, user_id, role) VALUES ('m1', 'o1', 'u1', 'admin');
    INSERT INTO pages(id, organization_id, name) VALUES ('home', 'o1', 'Home');
    INSERT INTO activities(lsn, seq, organization_id, entity_type, entity_id, action)
      SELECT '0/1', g, 'o1', 'page', 'home', 'update' FROM generate_series(1, 50) g;
    INSERT INTO applied_transactions(transaction_id, user_id, organization_id, entity_type,
      entity_id, action, source_id) VALUES ('t1', 'u1', 'o1', 'page', 'home', 'create', 's');
    INSERT INTO sync_epochs(first_activity_id) VALUES (1);
  )sql",
            url);
  // The rows as that release had them (sync_epochs gained a column since: its old ones).
  auto rows_of = [](const std::string& t, const std::string& schema) {
    const auto name = t.find('.') == std::string::npos ? schema + "." + t : t;
    return t == "sync_epochs"
               ? "(SELECT id, first_activity_id, created_at, ready FROM " + name + ")"
               : name;
  };
  std::map<std::string, std::string> before;
  for (const char* t : {"users", "organizations", "memberships", "activities",
                        "applied_transactions", "sync_epochs", "public.pages"})
    before[t] = table_checksum(rows_of(t, "public"), url);

  // ADOPT-003: the previous release's tables, still in public, are never a synced type's.
  {
    const auto dir = make_temp_dir("syncline-ns");
    const auto yaml = dir + "/ledger.yaml";
    std::ofstream(yaml) << "version: 1\ntypes:\n  t:\n    table: public.applied_transactions\n"
                           "    fields: {a: {kind: text}}\n";
    std::string out;
    EXPECT_EQ(syncline(url, {"schema", "check", "--schema", yaml}, &out), 1) << out;
    EXPECT_NE(out.find("one of Syncline's own tables"), std::string::npos) << out;
    std::filesystem::remove_all(dir);
  }

  // A node of the previous release is still connected: nothing moves.
  PGconn* old_node = PQconnectdb((url + "?application_name=syncline-bus").c_str());
  ASSERT_EQ(PQstatus(old_node), CONNECTION_OK);
  std::string out;
  EXPECT_EQ(syncline(url, {"migrate"}, &out), 1);
  EXPECT_NE(out.find("previous Syncline release"), std::string::npos) << out;
  EXPECT_EQ(sql_value("SELECT to_regclass('public.activities') IS NOT NULL", url), "t");
  PQfinish(old_node);

  ASSERT_EQ(syncline(url, {"migrate"}, &out), 0) << out;
  for (const auto& [t, sum] : before)
    EXPECT_EQ(table_checksum(rows_of(t, "syncline"), url), sum) << t;
  // Only the demo's tables stay in public (they are app tables now), and the app's ledger row.
  EXPECT_EQ(sql_value("SELECT string_agg(relname, ',' ORDER BY relname) FROM pg_class WHERE"
                      " relnamespace = 'public'::regnamespace AND relkind = 'r'",
                      url),
            "attachments,pages,schema_migrations");
  EXPECT_EQ(sql_value("SELECT string_agg(version, ',') FROM public.schema_migrations", url),
            "20231107000000");
  // The 11 rows moved, then the migrations after them (012 on) applied in the moved install.
  EXPECT_EQ(sql_value("SELECT count(*) FROM syncline.schema_migrations WHERE version < '012'", url),
            "11");
  EXPECT_EQ(
      sql_value("SELECT count(*) FROM syncline.schema_migrations WHERE version LIKE '012%'", url),
      "1");
  for (const char* ours : {"fn:syncline", "type:syncline", "rel:activities", "rel:users"})
    EXPECT_EQ(objects_in("public", url).find(ours), std::string::npos) << ours;
  // Ids go on after the rows moved (the sequence moved with its table; the rows of before are
  // the log's first partition, the worker makes the next before it writes).
  EXPECT_EQ(sql_value("SELECT nextval('syncline.activities_id_seq')", url), "51");
  EXPECT_EQ(sql_value("SELECT count(*) FROM syncline.activities_p0", url), "50");
  // Re-running is a no-op.
  ASSERT_EQ(syncline(url, {"migrate"}, &out), 0) << out;

  // The moved install serves: the old org's page is listed to a member, writes go on.
  Server server(url, "all",
                {"--slot", db.name(), "--publication", db.name() + "_pub", "--tx-publication",
                 db.name() + "_tx"});
  Http http(server.port());
  auto user = sign_up(http, "Later");
  sql_value(
      "INSERT INTO syncline.memberships(id, organization_id, user_id, role) VALUES"
      " ('m2', 'o1', '" +
          user.id + "', 'member')",
      url);
  auto list = http.send("GET", "/organizations/o1/pages", {}, user.token);
  ASSERT_EQ(list.status, 200) << list.body;
  EXPECT_NE(list.body.find("\"Home\""), std::string::npos) << list.body;
  auto created =
      http.send("POST", "/organizations/o1/pages",
                create_body({{"id", "next"}, {"name", "Next"}}, next_tx_id()), user.token);
  EXPECT_EQ(created.status, 201) << created.body;
  EXPECT_TRUE(wait_until([&] {
    return sql_value("SELECT count(*) FROM syncline.activities WHERE entity_id = 'next'", url) ==
           "1";
  }));
  server.stop();

  // The baseline a fresh install runs is the schema 001..011 leave (this suite's own database
  // was installed fresh): every column, constraint, index and function, compared as pg_dump
  // prints them (the activity log's partitions aside). citext lives where the database had it.
  auto dump = [](const std::string& u) {
    std::string text;
    EXPECT_EQ(run_command({"/usr/lib/postgresql/15/bin/pg_dump", "--schema-only", "--no-owner",
                           "--schema", "syncline", "--exclude-table", "syncline.schema_migrations",
                           // the log's partitions are ranges of ids: each database's own
                           "--exclude-table", "syncline.activities_p*", u},
                          &text),
              0);
    for (auto at = text.find("public.citext"); at != std::string::npos;
         at = text.find("public.citext"))
      text.replace(at, 13, "syncline.citext");
    // pg_dump's \restrict lines carry a random key per run.
    std::string kept, line;
    std::istringstream lines(text);
    while (std::getline(lines, line))
      if (!line.starts_with("\\restrict") && !line.starts_with("\\unrestrict")) kept += line + "\n";
    return kept;
  };
  EXPECT_EQ(dump(url), dump(db_url()));
}

// ADOPT-001: --db-schema must name a schema of ours, never an app's or Postgres'.
TEST(Namespace, DbSchemaRefusesSystemAndPublicSchemasADOPT001) {
  for (const char* bad : {"public", "pg_catalog", "information_schema", "Syncline", "a-b", ""}) {
    std::string out;
    EXPECT_EQ(syncline(db_url(), {"--db-schema", bad, "migrate"}, &out), 1) << bad;
  }
}

}  // namespace syncline::test
