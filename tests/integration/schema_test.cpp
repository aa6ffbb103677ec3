// The declared schema end to end (DESIGN §13, SCHEMA-001..030): GET /schema, a malformed file
// refused at start with its line, and a second schema (tests/data/tracker.yaml: every kind, a
// ref, own grants, a manual field, json, a table outside `public`, its own key/org/owner
// columns) applied to the database by `syncline schema apply` and served by a node and a CDC
// worker of its own: REST with conflicts and idempotency, validation of each kind, the live
// stream; `schema apply` on an app's existing table with rows, and `schema check`'s findings.
#include <gtest/gtest.h>

#include <signal.h>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <filesystem>

#include "support/fixtures.h"
#include "support/mutations.h"
#include "support/sse_client.h"
#include "syncline/client.h"

namespace syncline::test {

namespace json = boost::json;
using namespace std::chrono_literals;

namespace {
const std::string kTracker = SYNCLINE_SOURCE_DIR "/tests/data/tracker.yaml";
}  // namespace

TEST(Schema, GetSchemaShowsTheDeclaredTypesSCHEMA020) {
  auto r = api().get("/schema");
  ASSERT_EQ(r.status, 200);
  auto types = r.json().as_object()["types"].as_object();
  ASSERT_TRUE(types.contains("page"));
  auto page = types["page"].as_object();
  EXPECT_EQ(page["plural"].as_string(), "pages");
  auto fields = page["fields"].as_object();
  EXPECT_EQ(fields["status"].as_object()["kind"].as_string(), "enum");
  EXPECT_EQ(fields["status"].as_object()["default"].as_string(), "unpublished");
  EXPECT_EQ(fields["parentId"].as_object()["to"].as_string(), "page");
  EXPECT_FALSE(fields["createdBy"].as_object()["writable"].as_bool());
  EXPECT_EQ(page["grants"].as_object()["member"].as_object()["delete"].as_string(), "own");
  EXPECT_EQ(r.body.find("organization_id"), std::string::npos) << "no columns are shown";
}

TEST(Schema, AMalformedFileIsRefusedAtStartWithItsLineSCHEMA003) {
  auto dir = make_temp_dir("syncline-schema");
  auto file = dir + "/bad.yaml";
  std::FILE* f = std::fopen(file.c_str(), "w");
  std::fputs("version: 1\ntypes:\n  t:\n    fields:\n      a: {kind: texte}\n", f);
  std::fclose(f);
  std::string out;
  int status = run_command({"/bin/sh", "-c",
                            std::string(SYNCLINE_BINARY) + " --database-url " + db_url() +
                                " serve --listen 127.0.0.1:0 --schema " + file + " 2>&1"},
                           &out);
  EXPECT_EQ(status, 1);
  EXPECT_NE(out.find(file + ":5: unknown kind 'texte'"), std::string::npos) << out;
  std::filesystem::remove_all(dir);
}

class Tracker : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    // SCHEMA-030: `schema apply` on a database without these tables creates them.
    std::string out;
    ASSERT_EQ(run_command({SYNCLINE_BINARY, "--database-url", db_url(), "schema", "apply",
                           "--schema", kTracker},
                          &out),
              0)
        << out;
    ASSERT_EQ(run_command({SYNCLINE_BINARY, "--database-url", db_url(), "schema", "check",
                           "--schema", kTracker},
                          &out),
              0)
        << out;
    // A node and a worker of this schema, on a slot and publications of their own.
    node_ = new Server(db_url(), "serve", {"--schema", kTracker});
    worker_ = new Process(db_url(),
                          {"cdc", "--schema", kTracker, "--slot", "tracker_slot", "--publication",
                           "tracker_pub", "--tx-publication", "tracker_tx_pub"});
    ASSERT_TRUE(wait_until(
        [] {
          return sql_value(
                     "SELECT count(*) FROM pg_replication_slots WHERE slot_name = "
                     "'tracker_slot'") == "1";
        },
        30s))
        << worker_->log();
  }
  static void TearDownTestSuite() {
    delete worker_;
    delete node_;
    sql_value("SELECT pg_drop_replication_slot('tracker_slot')");
  }
  void SetUp() override {
    http_ = std::make_unique<Http>(node_->port());
    admin_ = sign_up(*http_, "Tracker admin");
    org_ = std::string(create_org(*http_, admin_)["id"].as_string());
    base_ = "/organizations/" + org_;
  }
  HttpResponse post(const std::string& plural, json::object data, const std::string& tx) {
    return http_->send("POST", base_ + "/" + plural, create_body(std::move(data), tx),
                       admin_.token);
  }

  static inline Server* node_ = nullptr;
  static inline Process* worker_ = nullptr;
  std::unique_ptr<Http> http_;
  TestUser admin_;
  std::string org_, base_;
};

TEST_F(Tracker, EveryKindIsWrittenReadAndStreamedSCHEMA010) {
  SseClient stream(node_->port(), base_ + "/live?live=sse&offset=now", admin_.token);
  ASSERT_TRUE(stream.next_of("offset", 10s));
  ASSERT_EQ(post("projects", {{"id", "p1"}, {"name", "Launch"}}, next_tx_id()).status, 201);
  auto tx = next_tx_id();
  auto r = post("tasks",
                {{"id", "t1"},
                 {"title", "Write the schema"},
                 {"points", 8},
                 {"due", "2026-12-24T10:00:00Z"},
                 {"project", "p1"},
                 {"meta", {{"labels", json::array{"a", "b"}}, {"n", 1}}}},
                tx);
  ASSERT_EQ(r.status, 201) << r.body;
  auto data = r.json().as_object()["data"].as_object();
  EXPECT_EQ(data["id"].as_string(), "t1");
  EXPECT_EQ(data["organizationId"].as_string(), org_);
  EXPECT_EQ(data["status"].as_string(), "todo");  // the declared default
  EXPECT_EQ(data["weight"].to_number<double>(), 1.0);
  EXPECT_FALSE(data["done"].as_bool());
  EXPECT_EQ(data["due"].as_string().subview().substr(0, 19), "2026-12-24T10:00:00");
  EXPECT_EQ(data["meta"].as_object()["labels"].as_array().size(), 2u);
  EXPECT_EQ(data["createdBy"].as_string(), admin_.id);
  EXPECT_FALSE(data["createdAt"].is_null());
  // A conflicting edit of one field, then the right one; a replay is answered as done.
  auto stale =
      http_->send("PATCH", base_ + "/tasks/t1",
                  update_body("points", json::value(9), next_tx_id(), "1000000000000.0000.nobody"),
                  admin_.token);
  EXPECT_EQ(stale.error_code(), "FIELD_CONFLICT");
  auto edit = next_tx_id();
  auto body = update_body("points", json::value(13), edit, tx);
  EXPECT_EQ(http_->send("PATCH", base_ + "/tasks/t1", body, admin_.token).status, 200);
  EXPECT_EQ(http_->send("PATCH", base_ + "/tasks/t1", body, admin_.token).status, 200);
  EXPECT_EQ(http_->get(base_ + "/tasks/t1", admin_.token)
                .json()
                .as_object()["data"]
                .as_object()["points"]
                .as_int64(),
            13);
  // The stream carries both types with their data.
  std::vector<json::object> got;
  while (got.size() < 3) {
    auto e = stream.next_of("change", 10s);
    ASSERT_TRUE(e) << "after " << got.size() << " changes";
    got.push_back(json::parse(e->data).as_object());
  }
  EXPECT_EQ(got[0]["entityType"].as_string(), "project");
  EXPECT_EQ(got[1]["entityType"].as_string(), "task");
  EXPECT_EQ(got[1]["data"].as_object()["meta"].as_object()["n"].as_int64(), 1);
  EXPECT_EQ(got[2]["changedKeys"].as_array().front().as_string(), "points");
  EXPECT_EQ(got[2]["data"].as_object()["points"].as_int64(), 13);
  // Lists by the declared key.
  auto list = http_->get(base_ + "/tasks", admin_.token).json().as_object();
  ASSERT_EQ(list["items"].as_array().size(), 1u);
  // ADOPT-003: shapes filter on a reserved-word column ("order") and list a mixed-case one.
  auto shaped = http_->get(
      base_ + "/tasks?shape=" + client::query_encode(R"({"task":{"weight":1}})"), admin_.token);
  ASSERT_EQ(shaped.status, 200) << shaped.body;
  auto items = shaped.json().at("items").as_array();
  ASSERT_EQ(items.size(), 1u) << shaped.body;
  EXPECT_EQ(items[0].at("data").at("due").as_string().subview().substr(0, 10), "2026-12-24");
  auto none = http_->get(base_ + "/tasks?shape=" + client::query_encode(R"({"task":{"weight":2}})"),
                         admin_.token);
  ASSERT_EQ(none.status, 200) << none.body;
  EXPECT_TRUE(none.json().at("items").as_array().empty()) << none.body;
}

TEST_F(Tracker, EachKindRejectsWhatItCannotHoldSCHEMA011) {
  // field, value as JSON text
  std::vector<std::pair<std::string, std::string>> bad = {
      {"points", "-1"},
      {"points", "101"},
      {"points", "1.5"},
      {"weight", "-0.5"},
      {"status", "\"blocked\""},
      {"done", "\"yes\""},
      {"due", "\"tomorrow\""},
      {"due", "\"2026-02-30T00:00:00Z\""},
      {"due", "\"2026-12-24 10:00:00\""},
      {"title", "null"},
      {"meta", "\"" + std::string(2000, 'x') + "\""},
      {"meta", "{\"k\": \"\\u0000\"}"},
      {"project", "\"not an id\""},
      {"createdAt", "\"2026-12-24T10:00:00Z\""}};
  for (const auto& [field, value] : bad) {
    json::object data{{"id", "bad"}, {"title", "t"}};
    data[field] = json::parse(value);
    auto r = post("tasks", data, next_tx_id());
    EXPECT_EQ(r.status, 400) << field << " = " << value << ": " << r.body;
  }
  // A reference to a project of another org (or none) is 422.
  auto r = post("tasks", {{"id", "orphan"}, {"title", "t"}, {"project", "nope"}}, next_tx_id());
  EXPECT_EQ(r.error_code(), "INVALID_REFERENCE");
  EXPECT_EQ(http_->get(base_ + "/pages", admin_.token).status, 404)
      << "pages are not declared here";
}

TEST_F(Tracker, TheNativeClientLearnsTypesRoutesAndManualFieldsFromTheServerSCHEMA021) {
  ASSERT_EQ(post("projects", {{"id", "p9"}, {"name", "Seen"}}, next_tx_id()).status, 201);
  auto dir = make_temp_dir("syncline-client-schema");
  client::ClientOptions o;
  o.port = node_->port();
  o.token = admin_.token;
  o.org_id = org_;
  o.data_dir = dir + "/c";
  client::Client c(o);
  ASSERT_TRUE(c.start());
  EXPECT_TRUE(c.get("project", "p9")) << "hydrated from the declared types' lists";
  auto tx = c.create("task", {{"id", "t9"}, {"title", "From the client"}, {"points", 3}});
  EXPECT_TRUE(wait_until([&] { return c.state(tx) == client::MutationState::kConfirmed; }));
  EXPECT_EQ(sql_value("SELECT title || ':' || points FROM tracker.tasks WHERE task_id = 't9'"),
            "From the client:3");
  // `notes` is `merge: manual` in the schema: a conflicting edit is kept for the user.
  c.hold_stream_for_test(true);
  ASSERT_EQ(http_
                ->send("PATCH", base_ + "/tasks/t9",
                       update_body("notes", json::value("theirs"), next_tx_id(), std::nullopt),
                       admin_.token)
                .status,
            200);
  c.update("task", "t9", {{"notes", "mine"}});
  auto conflicts = c.conflicts();
  ASSERT_EQ(conflicts.size(), 1u);
  EXPECT_EQ(conflicts[0].field, "notes");
  EXPECT_EQ(conflicts[0].server.as_string(), "theirs");
  c.hold_stream_for_test(false);
  c.stop();
  std::filesystem::remove_all(dir);
}

// SCHEMA-025: the generic CLI on another app's types — create with FIELD=VALUE of several
// kinds, get, list, set and delete a task, all through the routes /schema declares.
TEST_F(Tracker, TheGenericCliWorksOnTheTrackersTypesSCHEMA025) {
  ASSERT_EQ(post("projects", {{"id", "p-cli"}, {"name", "CLI"}}, next_tx_id()).status, 201);
  auto dir = make_temp_dir("syncline-cli-tracker");
  auto cli = [&](std::vector<std::string> args, std::string* out) {
    std::vector<std::string> argv{SYNCLINE_CLI_BINARY, "--server",
                                  "http://127.0.0.1:" + std::to_string(node_->port()), "--data-dir",
                                  dir};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_command(argv, out);
  };
  std::string out;
  ASSERT_EQ(cli({"login", "--email", admin_.email, "--password", "correct horse battery"}, &out),
            0);
  ASSERT_EQ(cli({"create", "task", "t-cli", "title=From the CLI", "points=4", "project=p-cli",
                 "done=true", "--org", org_},
                &out),
            0)
      << out;
  EXPECT_NE(out.find("create task t-cli: saved on the server"), std::string::npos) << out;
  EXPECT_EQ(sql_value("SELECT title || ':' || points || ':' || project_id || ':' || done"
                      " FROM tracker.tasks WHERE task_id = 't-cli'"),
            "From the CLI:4:p-cli:true");
  ASSERT_EQ(cli({"set", "task", "t-cli", "points", "5", "--org", org_}, &out), 0) << out;
  ASSERT_EQ(cli({"get", "task", "t-cli", "--org", org_}, &out), 0);
  EXPECT_NE(out.find("\"points\":5"), std::string::npos) << out;
  ASSERT_EQ(cli({"list", "task", "--org", org_}, &out), 0);
  EXPECT_NE(out.find("t-cli  {"), std::string::npos) << out;
  EXPECT_NE(cli({"set", "task", "t-cli", "points", "101", "--org", org_}, &out), 0)
      << "over the declared max";
  ASSERT_EQ(cli({"delete", "task", "t-cli", "--org", org_}, &out), 0) << out;
  EXPECT_EQ(sql_value("SELECT count(*) FROM tracker.tasks WHERE task_id = 't-cli'"), "0");
  std::filesystem::remove_all(dir);
}

namespace {
std::string write_file(const std::string& dir, const std::string& name, const std::string& text) {
  auto path = dir + "/" + name;
  std::FILE* f = std::fopen(path.c_str(), "w");
  std::fputs(text.c_str(), f);
  std::fclose(f);
  return path;
}

int schema_command(const std::string& verb, const std::string& file, std::string& out) {
  return run_command({"/bin/sh", "-c",
                      std::string(SYNCLINE_BINARY) + " --database-url '" + db_url() + "' schema " +
                          verb + " --schema " + file + " 2>&1"},
                     &out);
}
}  // namespace

TEST(Schema, ApplyOnAnAppsExistingTableKeepsItsRowsAndColumnsSCHEMA031) {
  // An app's table with 10,000 rows, a column Syncline knows nothing of, a key that is only
  // unique by itself, and no tx/field_tx.
  sql_value(
      "CREATE TABLE public.app_notes (id text PRIMARY KEY, organization_id text NOT NULL,"
      " body text, app_secret text NOT NULL DEFAULT 'kept');"
      "INSERT INTO organizations(id, slug, name) VALUES ('org_notes', 'notes-org', 'Notes')"
      " ON CONFLICT DO NOTHING;"
      "INSERT INTO public.app_notes(id, organization_id, body, app_secret)"
      " SELECT 'n' || g, 'org_notes', 'note ' || g, 'secret ' || g"
      " FROM generate_series(1, 10000) g");
  auto dir = make_temp_dir("syncline-schema");
  auto file = write_file(
      dir, "notes.yaml",
      "version: 1\ntypes:\n  note:\n    table: public.app_notes\n    fields:\n"
      "      body: {kind: text, max: 1000}\n      pinned: {kind: boolean, default: false}\n"
      "    grants:\n      member: {create: all, read: all, update: all}\n"
      "      admin: {create: all, read: all, update: all, delete: all}\n");
  std::string out;
  EXPECT_EQ(schema_command("check", file, out), 1);
  for (const char* expected :
       {"missing column pinned", "missing column tx", "missing column field_tx",
        "no unique index on (organization_id, id)", "replica identity is not FULL"})
    EXPECT_NE(out.find(expected), std::string::npos) << expected << "\n" << out;
  ASSERT_EQ(schema_command("apply", file, out), 0) << out;
  EXPECT_EQ(schema_command("check", file, out), 0) << out;
  // Every row is still there with its app column; none was rewritten.
  EXPECT_EQ(
      sql_value("SELECT count(*) FROM app_notes WHERE app_secret = 'secret ' || substr(id, 2)"),
      "10000");
  EXPECT_EQ(
      sql_value("SELECT format_type(atttypid, atttypmod) || '/' || attnotnull FROM pg_attribute"
                " WHERE attrelid = 'app_notes'::regclass AND attname = 'app_secret'"),
      "text/true");
  EXPECT_EQ(sql_value("SELECT count(*) FROM app_notes WHERE field_tx = '{}' AND tx IS NULL"),
            "10000");
  // The existing rows are synced entities now: served, editable, and streamed.
  Server node(db_url(), "serve", {"--schema", file});
  Process worker(db_url(), {"cdc", "--schema", file, "--slot", "notes_slot", "--publication",
                            "notes_pub", "--tx-publication", "notes_tx_pub"});
  auto admin = sign_up(Http(node.port()), "Notes admin");
  sql_value(
      "INSERT INTO memberships(id, organization_id, user_id, role) VALUES ('m_notes', "
      "'org_notes', '" +
      admin.id + "', 'admin')");
  ASSERT_TRUE(wait_until(
      [] {
        return sql_value(
                   "SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'notes_slot'") ==
               "1";
      },
      30s));
  Http http(node.port());
  auto got = http.get("/organizations/org_notes/notes/n42", admin.token);
  ASSERT_EQ(got.status, 200) << got.body;
  EXPECT_EQ(got.json().as_object()["data"].as_object()["body"].as_string(), "note 42");
  EXPECT_TRUE(got.json().as_object()["fieldTx"].as_object().empty());
  SseClient stream(node.port(), "/organizations/org_notes/live?live=sse&offset=now", admin.token);
  ASSERT_TRUE(stream.next_of("offset", 10s));
  EXPECT_EQ(
      http.send("PATCH", "/organizations/org_notes/notes/n42",
                update_body("body", json::value("edited"), next_tx_id(), std::nullopt), admin.token)
          .status,
      200);
  sql_value("UPDATE app_notes SET body = 'by a job' WHERE id = 'n7'");  // the app's own writes
  auto first = stream.next_of("change", 10s), second = stream.next_of("change", 10s);
  ASSERT_TRUE(first && second);
  EXPECT_EQ(json::parse(first->data).as_object()["entityId"].as_string(), "n42");
  auto job = json::parse(second->data).as_object();
  EXPECT_EQ(job["entityId"].as_string(), "n7");
  EXPECT_EQ(job["data"].as_object()["body"].as_string(), "by a job");
  EXPECT_EQ(sql_value("SELECT app_secret FROM app_notes WHERE id = 'n42'"), "secret 42");
  worker.signal_and_wait(SIGTERM);
  sql_value("SELECT pg_drop_replication_slot('notes_slot')");
  std::filesystem::remove_all(dir);
}

TEST(Schema, CheckNamesEachKindOfMismatchAndApplyRefusesWhatItCannotFixSCHEMA032) {
  sql_value(
      "CREATE TABLE public.bad_items (item_id integer PRIMARY KEY, org text, label integer,"
      " stuck text NOT NULL, tx text)");
  auto dir = make_temp_dir("syncline-schema");
  auto file =
      write_file(dir, "bad.yaml",
                 "version: 1\ntypes:\n  item:\n    table: public.bad_items\n    key: item_id\n"
                 "    org: org\n    fields:\n      label: {kind: text}\n"
                 "  ghost:\n    fields:\n      name: {kind: text}\n");
  std::string out;
  EXPECT_EQ(schema_command("check", file, out), 1);
  for (const char* expected :
       {"public.bad_items: key column item_id is integer; Syncline ids are text",
        "public.bad_items: org column org may be null",
        "public.bad_items: column label is integer, but field 'label' (text) needs text",
        "public.bad_items: column stuck is NOT NULL without a default, but no field writes it",
        "public.bad_items: column tx is text, not jsonb",
        "public.bad_items: missing column field_tx", "public.ghosts: missing table"})
    EXPECT_NE(out.find(expected), std::string::npos) << expected << "\n" << out;
  EXPECT_EQ(schema_command("apply", file, out), 1);
  EXPECT_NE(out.find("nothing was changed"), std::string::npos) << out;
  EXPECT_EQ(sql_value("SELECT count(*) FROM pg_class WHERE relname = 'ghosts'"), "0");
  std::filesystem::remove_all(dir);
}

// ADOPT-003: `check` compares what a field accepts with the column (a text longer than a
// varchar, integers outside an integer column's range), warns about a key unique across
// orgs, and `serve` refuses to start on a schema `check` finds wrong.
TEST(Schema, CheckComparesLengthsAndRangesAndServeRefusesAMismatchADOPT003) {
  sql_value(
      "CREATE TABLE public.app_deals (id text PRIMARY KEY, organization_id text NOT NULL,"
      " title varchar(20), seats integer, rank smallint, tx jsonb,"
      " field_tx jsonb NOT NULL DEFAULT '{}', UNIQUE (organization_id, id));"
      "ALTER TABLE public.app_deals REPLICA IDENTITY FULL");
  auto dir = make_temp_dir("syncline-schema");
  auto narrow = write_file(dir, "narrow.yaml",
                           "version: 1\ntypes:\n  deal:\n    table: public.app_deals\n"
                           "    fields:\n      title: {kind: text, max: 300}\n"
                           "      seats: {kind: integer, min: 0}\n"
                           "      rank: {kind: integer, min: 0, max: 100}\n");
  std::string out;
  EXPECT_EQ(schema_command("check", narrow, out), 1);
  for (const char* expected :
       {"public.app_deals: field 'title' allows 300 characters but column title is character "
        "varying(20)",
        "public.app_deals: field 'seats' allows integers outside -2147483648..2147483647"})
    EXPECT_NE(out.find(expected), std::string::npos) << expected << "\n" << out;
  EXPECT_EQ(out.find("'rank'"), std::string::npos) << "0..100 fits a smallint\n" << out;
  EXPECT_NE(out.find("warning: public.app_deals: key id is unique across organizations"),
            std::string::npos)
      << out;
  // A node refuses it, naming the problem, instead of answering writes with database errors.
  int status = run_command({"/bin/sh", "-c",
                            std::string(SYNCLINE_BINARY) + " --database-url " + db_url() +
                                " serve --listen 127.0.0.1:0 --schema " + narrow + " 2>&1"},
                           &out);
  EXPECT_NE(status, 0);
  EXPECT_NE(out.find("field 'title' allows 300 characters"), std::string::npos) << out;
  // Within the column: check passes (the warning stays a warning) once the list index exists.
  auto fits = write_file(dir, "fits.yaml",
                         "version: 1\ntypes:\n  deal:\n    table: public.app_deals\n"
                         "    fields:\n      title: {kind: text, max: 20}\n"
                         "      seats: {kind: integer, min: 0, max: 100000}\n");
  EXPECT_EQ(schema_command("apply", fits, out), 0) << out;
  EXPECT_EQ(schema_command("check", fits, out), 0) << out;
  EXPECT_NE(out.find("warning: public.app_deals: key id is unique"), std::string::npos) << out;
  std::filesystem::remove_all(dir);
}

// ADOPT-003: an enum field's values are compared with the app's CHECK constraints on its
// column (any form: Postgres evaluates them); a value one refuses is a problem for check, apply
// and serve, never a write that fails later.
TEST(Schema, CheckComparesEnumValuesWithTheAppsConstraintsADOPT003) {
  sql_value(
      "CREATE TABLE public.app_tickets (id text NOT NULL, organization_id text NOT NULL,"
      " state varchar(16) NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'closed')),"
      " level text CONSTRAINT level_short CHECK (length(level) <= 4),"
      " tx jsonb, field_tx jsonb NOT NULL DEFAULT '{}', PRIMARY KEY (organization_id, id));"
      "ALTER TABLE public.app_tickets REPLICA IDENTITY FULL");
  auto dir = make_temp_dir("syncline-schema");
  auto wide = write_file(dir, "wide.yaml",
                         "version: 1\ntypes:\n  ticket:\n    table: public.app_tickets\n"
                         "    fields:\n      state: {kind: enum, values: [open, closed, "
                         "\"won't fix\"], default: open}\n"
                         "      level: {kind: enum, values: [low, high, urgent]}\n");
  std::string out;
  EXPECT_EQ(schema_command("check", wide, out), 1);
  for (const char* expected :
       {"public.app_tickets: field 'state' allows won't fix but constraint "
        "app_tickets_state_check on column state refuses it",
        "field 'level' allows urgent but constraint level_short on column level refuses it"})
    EXPECT_NE(out.find(expected), std::string::npos) << expected << "\n" << out;
  EXPECT_EQ(schema_command("apply", wide, out), 1);
  EXPECT_NE(out.find("nothing was changed"), std::string::npos) << out;
  auto agreed = write_file(dir, "agreed.yaml",
                           "version: 1\ntypes:\n  ticket:\n    table: public.app_tickets\n"
                           "    fields:\n      state: {kind: enum, values: [open, closed], "
                           "default: open}\n"
                           "      level: {kind: enum, values: [low, high]}\n");
  EXPECT_EQ(schema_command("check", agreed, out), 0) << out;
  std::filesystem::remove_all(dir);
}

TEST(Schema, ListIndexesAreNamedByCheckAndBuiltConcurrentlyByApplyDATASCALE001) {
  // An app's table whose key is unique only with the org first, and a field shapes filter on.
  sql_value(
      "CREATE TABLE public.app_docs (id text NOT NULL, organization_id text NOT NULL,"
      " folder text, tx jsonb, field_tx jsonb NOT NULL DEFAULT '{}',"
      " UNIQUE (id, organization_id));"
      "ALTER TABLE public.app_docs REPLICA IDENTITY FULL;"
      "INSERT INTO public.app_docs(id, organization_id, folder)"
      " SELECT 'd' || g, 'org_docs', 'f' || (g % 10) FROM generate_series(1, 20000) g");
  auto dir = make_temp_dir("syncline-schema");
  auto file = write_file(dir, "docs.yaml",
                         "version: 1\ntypes:\n  doc:\n    table: public.app_docs\n    fields:\n"
                         "      folder: {kind: text, max: 100, index: true}\n"
                         "    grants:\n      member: {create: all, read: all, update: all}\n");
  std::string out;
  EXPECT_EQ(schema_command("check", file, out), 1);
  for (const char* expected :
       {"public.app_docs: no index on (organization_id, id) to list pages in key order",
        "public.app_docs: no index on (organization_id, folder, id) to list pages of shapes "
        "filtering on 'folder'"})
    EXPECT_NE(out.find(expected), std::string::npos) << expected << "\n" << out;
  ASSERT_EQ(schema_command("apply --concurrently", file, out), 0) << out;
  EXPECT_NE(out.find("(built concurrently)"), std::string::npos) << out;
  EXPECT_EQ(schema_command("check", file, out), 0) << out;
  EXPECT_EQ(sql_value("SELECT count(*) FROM pg_index WHERE indrelid = 'app_docs'::regclass"
                      " AND indisvalid"),
            "3");
  // Applying again changes nothing.
  ASSERT_EQ(schema_command("apply", file, out), 0) << out;
  EXPECT_NE(out.find("schema applied (0 changes)"), std::string::npos) << out;
  // A field that shapes cannot filter on cannot be indexed.
  auto bad = write_file(dir, "bad.yaml",
                        "version: 1\ntypes:\n  doc:\n    table: public.app_docs\n    fields:\n"
                        "      folder: {kind: json, index: true}\n");
  EXPECT_EQ(schema_command("check", bad, out), 1);
  EXPECT_NE(out.find("cannot be indexed for shapes"), std::string::npos) << out;
  std::filesystem::remove_all(dir);
}

}  // namespace syncline::test
