// An app's own Postgres enum type (DESIGN §19, ADOPT-003): an enum field may live in a column of
// an enum type. `schema check` compares the field's values with the type's labels (a value the
// type lacks is a problem for check and serve, never a write that fails later); served, every
// statement casts to the column's type: creates with and without the default, updates, a list
// filtered by a shape on the field, a snapshot of that shape; a value outside the field is a
// 400 naming the field, never a database error.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "support/fixtures.h"
#include "support/mutations.h"
#include "syncline/shape.h"

namespace syncline::test {

namespace json = boost::json;

namespace {
int schema_command(const std::string& verb, const std::string& file, std::string& out) {
  return run_command({"/bin/sh", "-c",
                      std::string(SYNCLINE_BINARY) + " --database-url '" + db_url() + "' schema " +
                          verb + " --schema " + file + " 2>&1"},
                     &out);
}

std::string schema_file(const std::string& dir, const std::string& name,
                        const std::string& values) {
  auto path = dir + "/" + name;
  std::ofstream(path) << "version: 1\ntypes:\n  mood:\n    table: app.moods\n    fields:\n"
                         "      mood: {kind: enum, values: ["
                      << values
                      << "], default: calm, index: true}\n"
                         "      note: {kind: text, max: 200}\n"
                         "    grants:\n      member: {create: all, read: all, update: all}\n"
                         "      admin: {create: all, read: all, update: all, delete: all}\n";
  return path;
}
}  // namespace

TEST(AppEnum, AFieldLivesInTheAppsEnumTypeADOPT003) {
  sql_value(
      "CREATE SCHEMA IF NOT EXISTS app;"
      "CREATE TYPE app.\"Mood\" AS ENUM ('calm', 'busy', 'away');"
      "CREATE TABLE app.moods (id text NOT NULL, organization_id text NOT NULL,"
      " mood app.\"Mood\" NOT NULL DEFAULT 'calm', note text, tx jsonb,"
      " field_tx jsonb NOT NULL DEFAULT '{}', PRIMARY KEY (organization_id, id));"
      "ALTER TABLE app.moods REPLICA IDENTITY FULL");
  auto dir = make_temp_dir("syncline-enum");
  std::string out;
  auto wider = schema_file(dir, "wider.yaml", "calm, busy, away, lost");
  EXPECT_EQ(schema_command("check", wider, out), 1);
  EXPECT_NE(out.find("field 'mood' allows 'lost', which column mood (enum type app.\"Mood\") "
                     "does not have"),
            std::string::npos)
      << out;
  EXPECT_EQ(out.find("needs text"), std::string::npos) << "an enum type holds an enum\n" << out;

  auto agreed = schema_file(dir, "agreed.yaml", "calm, busy");
  ASSERT_EQ(schema_command("apply", agreed, out), 0) << out;
  ASSERT_EQ(schema_command("check", agreed, out), 0) << out;

  Server node(db_url(), "serve", {"--schema", agreed});
  Http http(node.port());
  auto owner = sign_up(http, "Enum owner");
  std::string org(create_org(http, owner)["id"].as_string());
  const std::string base = "/organizations/" + org + "/moods";
  auto created = http.send("POST", base, create_body({{"id", "m1"}, {"note", "x"}}, next_tx_id()),
                           owner.token);
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(created.json().as_object()["data"].as_object()["mood"].as_string(), "calm");
  const auto tx2 = next_tx_id();
  ASSERT_EQ(http.send("POST", base, create_body({{"id", "m2"}, {"mood", "busy"}}, tx2), owner.token)
                .status,
            201);
  auto bad = http.send("POST", base, create_body({{"id", "m3"}, {"mood", "away"}}, next_tx_id()),
                       owner.token);
  EXPECT_EQ(bad.status, 400) << bad.body;  // a label of the type, but not one of the field's
  auto moved =
      http.send("PATCH", base + "/m1", update_body("mood", "busy", next_tx_id(), {}), owner.token);
  ASSERT_EQ(moved.status, 200) << moved.body;
  EXPECT_EQ(sql_value("SELECT string_agg(id || ':' || mood, ',' ORDER BY id) FROM app.moods"
                      " WHERE organization_id = '" +
                      org + "'"),
            "m1:busy,m2:busy");

  // A shape on the field: the list and the snapshot compare in the column's type.
  ASSERT_EQ(
      http.send("PATCH", base + "/m2", update_body("mood", "calm", next_tx_id(), tx2), owner.token)
          .status,
      200);
  auto calm =
      http.get(base + "?shape=" + client::query_encode(R"({"mood":{"mood":"calm"}})"), owner.token);
  ASSERT_EQ(calm.status, 200) << calm.body;
  auto items = calm.json().as_object()["items"].as_array();
  ASSERT_EQ(items.size(), 1u) << calm.body;
  EXPECT_EQ(items[0].as_object()["data"].as_object()["id"].as_string(), "m2");
  auto any = http.get(
      base + "?shape=" + client::query_encode(R"({"mood":{"mood":["calm","busy"]}})"), owner.token);
  ASSERT_EQ(any.status, 200) << any.body;
  EXPECT_EQ(any.json().as_object()["items"].as_array().size(), 2u);
  auto snap = http.get("/organizations/" + org +
                           "/snapshot?shape=" + client::query_encode(R"({"mood":{"mood":"busy"}})"),
                       owner.token);
  ASSERT_EQ(snap.status, 200) << snap.body;
  EXPECT_NE(snap.body.find("\"m1\""), std::string::npos) << snap.body;
  EXPECT_EQ(snap.body.find("\"m2\""), std::string::npos) << snap.body;
  std::filesystem::remove_all(dir);
}

}  // namespace syncline::test
