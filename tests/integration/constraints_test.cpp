// ADOPT-002 (DESIGN §19): an app's own constraints on a synced table — check, unique across
// orgs, unique on a field, foreign key from an app table, not-null, exclusion — answer a
// client's write with 409 CONSTRAINT_VIOLATION naming the constraint (and the field when it is
// one declared column): nothing applied, no activity, the txId reusable; never a 500. A
// duplicate of the entity's own (org, key) stays ENTITY_EXISTS.
#include <gtest/gtest.h>

#include "support/fixtures.h"
#include "support/mutations.h"

namespace syncline::test {
namespace {

namespace json = boost::json;

class Constraints : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    // What an app adds to its tables. This binary's cluster is its own: no other test sees them.
    sql_value(
        "ALTER TABLE pages ADD CONSTRAINT pages_name_not_banned CHECK (name <> 'banned');"
        "CREATE UNIQUE INDEX pages_global_id ON pages (id);"
        "ALTER TABLE pages ADD CONSTRAINT pages_keywords_key UNIQUE (keywords);"
        "CREATE TABLE deals (id text PRIMARY KEY, organization_id text NOT NULL,"
        "  page_id text NOT NULL,"
        "  CONSTRAINT deals_page_fkey FOREIGN KEY (organization_id, page_id)"
        "  REFERENCES pages (organization_id, id));"
        "ALTER TABLE attachments ALTER COLUMN bucket_name SET NOT NULL;"
        "ALTER TABLE attachments ADD CONSTRAINT attachments_original_key_excl"
        "  EXCLUDE USING hash (original_key WITH =)");
  }

  void SetUp() override {
    owner_ = sign_up(http_, "Constraint owner");
    org_ = std::string(create_org(http_, owner_)["id"].as_string());
  }

  std::string path(const std::string& rest) { return "/organizations/" + org_ + "/" + rest; }

  HttpResponse create_page(const std::string& id, const std::string& name, const std::string& tx,
                           const std::string& org = "") {
    std::string o = org.empty() ? org_ : org;
    return http_.send("POST", "/organizations/" + o + "/pages",
                      create_body({{"id", id}, {"name", name}}, tx), owner_.token);
  }

  // The answer is a 409 CONSTRAINT_VIOLATION naming `constraint` (and `field`, when given).
  static void expect_violation(const HttpResponse& r, const std::string& constraint,
                               const std::optional<std::string>& field) {
    ASSERT_EQ(r.status, 409) << r.body;
    const auto body = r.json();
    const auto& e = body.at("error").as_object();
    EXPECT_EQ(e.at("code").as_string(), "CONSTRAINT_VIOLATION") << r.body;
    EXPECT_EQ(e.at("constraint").as_string(), constraint) << r.body;
    if (field)
      EXPECT_EQ(e.at("field").as_string(), *field) << r.body;
    else
      EXPECT_FALSE(e.contains("field")) << r.body;
  }

  std::string activities() {
    return sql_value("SELECT count(*) FROM activities WHERE organization_id = '" + org_ + "'");
  }

  Http http_ = api();
  TestUser owner_;
  std::string org_;
};

TEST_F(Constraints, CheckViolationIsAnAnswerAndTheTxIdStaysUsableADOPT002) {
  auto before = activities();
  auto tx = next_tx_id();
  expect_violation(create_page("c1", "banned", tx), "pages_name_not_banned", "name");
  EXPECT_EQ(sql_value("SELECT count(*) FROM pages WHERE id = 'c1'"), "0");
  EXPECT_EQ(activities(), before);
  // Nothing was applied, so the same txId carries the corrected write.
  auto ok = create_page("c1", "fine", tx);
  ASSERT_EQ(ok.status, 201) << ok.body;
  // The same constraint on an update.
  auto stale = ok.json().at("fieldTx").at("name").as_string();
  auto r =
      http_.send("PATCH", path("pages/c1"),
                 update_body("name", "banned", next_tx_id(), std::string(stale)), owner_.token);
  expect_violation(r, "pages_name_not_banned", "name");
  EXPECT_EQ(sql_value("SELECT name FROM pages WHERE id = 'c1'"), "fine");
}

TEST_F(Constraints, GlobalUniqueKeyNamesTheIdOwnDuplicateStaysEntityExistsADOPT002) {
  ASSERT_EQ(create_page("shared", "A", next_tx_id()).status, 201);
  // The same id again in this org: our own (org, key) → ENTITY_EXISTS, as before.
  auto again = create_page("shared", "B", next_tx_id());
  ASSERT_EQ(again.status, 409) << again.body;
  EXPECT_EQ(again.json().at("error").at("code").as_string(), "ENTITY_EXISTS");
  // Another org's create of that id breaks the app's global key: named, without its values.
  auto other = sign_up(http_, "Other tenant");
  std::string other_org(create_org(http_, other)["id"].as_string());
  auto r = http_.send("POST", "/organizations/" + other_org + "/pages",
                      create_body({{"id", "shared"}, {"name", "C"}}, next_tx_id()), other.token);
  expect_violation(r, "pages_global_id", "id");
  EXPECT_EQ(r.body.find(org_), std::string::npos) << "the answer shows another tenant's row";
}

TEST_F(Constraints, UniqueFieldOnUpdateNamesTheFieldADOPT002) {
  auto t1 = next_tx_id();
  ASSERT_EQ(http_
                .send("POST", path("pages"),
                      create_body({{"id", "k1"}, {"name", "K1"}, {"keywords", "taken"}}, t1),
                      owner_.token)
                .status,
            201);
  auto t2 = next_tx_id();
  ASSERT_EQ(create_page("k2", "K2", t2).status, 201);
  auto r = http_.send("PATCH", path("pages/k2"), update_body("keywords", "taken", next_tx_id(), t2),
                      owner_.token);
  expect_violation(r, "pages_keywords_key", "keywords");
  EXPECT_EQ(sql_value("SELECT coalesce(keywords, '-') FROM pages WHERE id = 'k2'"), "-");
}

TEST_F(Constraints, ForeignKeyFromAnAppTableBlocksTheDeleteADOPT002) {
  auto t1 = next_tx_id();
  ASSERT_EQ(create_page("d1", "Deal page", t1).status, 201);
  sql_value("INSERT INTO deals VALUES ('deal-" + org_ + "', '" + org_ + "', 'd1')");
  auto before = activities();
  auto tx = next_tx_id();
  auto r = http_.send("DELETE", path("pages/d1"), delete_body(tx, t1), owner_.token);
  expect_violation(r, "deals_page_fkey", std::nullopt);  // the constraint is on the app's table
  EXPECT_EQ(sql_value("SELECT count(*) FROM pages WHERE id = 'd1'"), "1");
  EXPECT_EQ(activities(), before);
  sql_value("DELETE FROM deals WHERE organization_id = '" + org_ + "'");
  auto again = http_.send("DELETE", path("pages/d1"), delete_body(tx, t1), owner_.token);
  EXPECT_EQ(again.status, 200) << again.body;
}

TEST_F(Constraints, NotNullAndExclusionNameTheirFieldsADOPT002) {
  auto attachment = [&](const std::string& id, json::object extra) {
    json::object data{
        {"id", id}, {"name", id}, {"filename", "f.png"}, {"contentType", "image/png"}, {"size", 1}};
    for (auto& [k, v] : extra) data[k] = v;
    return http_.send("POST", path("attachments"), create_body(std::move(data), next_tx_id()),
                      owner_.token);
  };
  expect_violation(attachment("a1", {}), "attachments_bucket_name_not_null", "bucketName");
  ASSERT_EQ(attachment("a2", {{"bucketName", "b"}, {"originalKey", "k"}}).status, 201);
  expect_violation(attachment("a3", {{"bucketName", "b"}, {"originalKey", "k"}}),
                   "attachments_original_key_excl", "originalKey");
  EXPECT_EQ(sql_value("SELECT count(*) FROM attachments WHERE organization_id = '" + org_ + "'"),
            "1");
}

}  // namespace
}  // namespace syncline::test
