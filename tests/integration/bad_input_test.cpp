// Bad input never causes a 500, a crash or a partial write (API-001..012, CON-2/3): every
// case answers a 4xx JSON error with a specific code and leaves the database unchanged.
#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>

#include "support/fixtures.h"
#include "support/mutations.h"

namespace syncline::test {

namespace json = boost::json;

namespace {

struct Case {
  std::string name;
  std::string method;
  std::string path;  // relative to the org ("" = /pages), or absolute when starting with '/'
  std::string body;
  int status;
  std::string code;
  std::string content_type = "application/json";
};

std::string snapshot() {
  return sql_value(
      "SELECT (SELECT count(*) FROM pages) || ',' || (SELECT count(*) FROM attachments) || ','"
      " || (SELECT count(*) FROM applied_transactions) || ',' || (SELECT count(*) FROM users)"
      " || ',' || (SELECT count(*) FROM organizations) || ',' || (SELECT count(*) FROM memberships)"
      " || ',' || coalesce((SELECT max(modified_at)::text FROM pages), '')"
      " || ',' || coalesce((SELECT string_agg(name || field_tx::text, ';' ORDER BY id) FROM "
      "pages), '')");
}

std::string s(const json::value& v) {
  return json::serialize(v);
}

}  // namespace

class BadInput : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto http = api();
    admin_ = new TestUser(sign_up(http, "Admin"));
    org_ = new std::string(create_org(http, *admin_)["id"].as_string());
    page_tx_ = new std::string(next_tx_id());
    auto r =
        http.send("POST", "/organizations/" + *org_ + "/pages",
                  create_body({{"id", "target"}, {"name", "Target"}}, *page_tx_), admin_->token);
    ASSERT_EQ(r.status, 201);
  }
  static TestUser* admin_;
  static std::string* org_;
  static std::string* page_tx_;
};
TestUser* BadInput::admin_ = nullptr;
std::string* BadInput::org_ = nullptr;
std::string* BadInput::page_tx_ = nullptr;

TEST_F(BadInput, EveryCaseIsA4xxJsonErrorAndWritesNothingAPI002) {
  const std::string tx = next_tx_id();
  const std::string future =
      std::to_string(std::stoll(tx.substr(0, 13)) + 3'600'000) + tx.substr(13);
  auto page = [&](json::object data) { return s(create_body(std::move(data), next_tx_id())); };
  auto upd = [&](const std::string& f, json::value v) {
    return s(update_body(f, std::move(v), next_tx_id(), *page_tx_));
  };
  std::string deep(2000, '[');
  std::string huge =
      "{\"data\":{\"id\":\"big\",\"name\":\"" + std::string(1100 * 1024, 'a') + "\"}}";
  json::object tx_extra = create_body({{"id", "x1"}, {"name", "n"}}, next_tx_id());
  tx_extra["tx"].as_object()["extra"] = 1;
  json::object tx_missing = create_body({{"id", "x2"}, {"name", "n"}}, next_tx_id());
  tx_missing["tx"].as_object().erase("transactionId");
  json::object src_missing = create_body({{"id", "x3"}, {"name", "n"}}, next_tx_id());
  src_missing["tx"].as_object().erase("sourceId");
  json::object changed_missing = create_body({{"id", "x3b"}, {"name", "n"}}, next_tx_id());
  changed_missing["tx"].as_object().erase("changedField");
  json::object tx_num = create_body({{"id", "x4"}, {"name", "n"}}, next_tx_id());
  tx_num["tx"].as_object()["transactionId"] = 12345;
  json::object long_src = create_body({{"id", "x5"}, {"name", "n"}}, next_tx_id());
  long_src["tx"].as_object()["sourceId"] = std::string(65, 's');
  json::object bad_expected = update_body("name", "v", next_tx_id(), std::string("nope"));
  json::object create_changed = create_body({{"id", "x6"}, {"name", "n"}}, next_tx_id());
  create_changed["tx"].as_object()["changedField"] = "name";
  json::object top_extra = create_body({{"id", "x7"}, {"name", "n"}}, next_tx_id());
  top_extra["extra"] = true;
  json::object two_fields = update_body("name", "v", next_tx_id(), *page_tx_);
  two_fields["data"].as_object()["status"] = "published";
  json::object mismatch = update_body("name", "v", next_tx_id(), *page_tx_);
  mismatch["tx"].as_object()["changedField"] = "status";

  const std::vector<Case> cases = {
      {"malformed json", "POST", "", "{\"data\":", 400, "INVALID_JSON"},
      {"empty body", "POST", "", "", 400, "INVALID_JSON"},
      {"top-level array", "POST", "", "[1,2]", 400, "INVALID_BODY"},
      {"deep nesting", "POST", "", deep, 400, "INVALID_JSON"},
      {"invalid utf-8", "POST", "",
       "{\"data\":{\"id\":\"u1\",\"name\":\"\xff\xfe\"},\"tx\":" + s(create_body({}, tx)["tx"]) +
           "}",
       400, "INVALID_JSON"},
      {"missing tx", "POST", "", "{\"data\":{\"id\":\"m1\",\"name\":\"n\"}}", 400, "MISSING_FIELD"},
      {"missing data", "POST", "", s(json::object{{"tx", create_body({}, tx)["tx"]}}), 400,
       "MISSING_FIELD"},
      {"missing tx.transactionId", "POST", "", s(tx_missing), 400, "MISSING_FIELD"},
      {"missing tx.sourceId", "POST", "", s(src_missing), 400, "MISSING_FIELD"},
      {"missing tx.changedField", "POST", "", s(changed_missing), 400, "MISSING_FIELD"},
      {"extra tx field", "POST", "", s(tx_extra), 400, "UNKNOWN_FIELD"},
      {"extra top-level field", "POST", "", s(top_extra), 400, "UNKNOWN_FIELD"},
      {"transactionId wrong type", "POST", "", s(tx_num), 400, "INVALID_TRANSACTION_ID"},
      {"transactionId over 32 chars", "POST", "",
       s(create_body({{"id", "x8"}, {"name", "n"}}, tx + "abcdefghijklmnopq")), 400,
       "INVALID_TRANSACTION_ID"},
      {"transactionId not HLC", "POST", "", s(create_body({{"id", "x9"}, {"name", "n"}}, "abc")),
       400, "INVALID_TRANSACTION_ID"},
      {"transactionId from the future", "POST", "",
       s(create_body({{"id", "x10"}, {"name", "n"}}, future)), 400, "CLOCK_SKEW"},
      {"sourceId over 64 chars", "POST", "", s(long_src), 400, "INVALID_SOURCE_ID"},
      {"changedField on create", "POST", "", s(create_changed), 400, "INVALID_CHANGED_FIELD"},
      {"id over 64 chars", "POST", "", page({{"id", std::string(65, 'i')}, {"name", "n"}}), 400,
       "INVALID_FIELD"},
      {"sql-looking id", "POST", "", page({{"id", "x'; DROP TABLE pages;--"}, {"name", "n"}}), 400,
       "INVALID_FIELD"},
      {"missing id", "POST", "", page({{"name", "n"}}), 400, "INVALID_FIELD"},
      {"missing required name", "POST", "", page({{"id", "x11"}}), 400, "MISSING_FIELD"},
      {"name wrong type", "POST", "", page({{"id", "x12"}, {"name", 42}}), 400, "INVALID_FIELD"},
      {"name too long", "POST", "", page({{"id", "x13"}, {"name", std::string(256, 'n')}}), 400,
       "INVALID_FIELD"},
      {"name with NUL", "POST", "", page({{"id", "x14"}, {"name", std::string("a\0b", 3)}}), 400,
       "INVALID_FIELD"},
      {"unknown data field", "POST", "", page({{"id", "x15"}, {"name", "n"}, {"color", "red"}}),
       400, "UNKNOWN_FIELD"},
      {"read-only field", "POST", "", page({{"id", "x16"}, {"name", "n"}, {"createdBy", "me"}}),
       400, "READ_ONLY_FIELD"},
      {"bad enum", "POST", "", page({{"id", "x17"}, {"name", "n"}, {"status", "draft"}}), 400,
       "INVALID_FIELD"},
      {"null non-nullable", "POST", "", page({{"id", "x18"}, {"name", "n"}, {"status", nullptr}}),
       400, "INVALID_FIELD"},
      {"number as string", "POST", "", page({{"id", "x19"}, {"name", "n"}, {"displayOrder", "1"}}),
       400, "INVALID_FIELD"},
      {"foreign organizationId", "POST", "",
       page({{"id", "x20"}, {"name", "n"}, {"organizationId", "org_other"}}), 400, "INVALID_FIELD"},
      {"negative attachment size", "POST", "/attachments",
       page({{"id", "x21"}, {"name", "n"}, {"filename", "f"}, {"contentType", "t"}, {"size", -1}}),
       400, "INVALID_FIELD"},
      {"fractional attachment size", "POST", "/attachments",
       page({{"id", "x22"}, {"name", "n"}, {"filename", "f"}, {"contentType", "t"}, {"size", 1.5}}),
       400, "INVALID_FIELD"},
      {"two fields in an update", "PATCH", "/pages/target", s(two_fields), 400, "INVALID_BODY"},
      {"changedField not in data", "PATCH", "/pages/target", s(mismatch), 400, "INVALID_BODY"},
      {"update of unknown field", "PATCH", "/pages/target", upd("name; DROP TABLE pages", "v"), 400,
       "UNKNOWN_FIELD"},
      {"update of read-only field", "PATCH", "/pages/target", upd("modifiedAt", "2020"), 400,
       "READ_ONLY_FIELD"},
      {"update without changedField", "PATCH", "/pages/target",
       s(create_body({{"name", "v"}}, next_tx_id())), 400, "INVALID_CHANGED_FIELD"},
      {"malformed expectedTransactionId", "PATCH", "/pages/target", s(bad_expected), 400,
       "INVALID_TRANSACTION_ID"},
      {"delete with data", "DELETE", "/pages/target",
       s(wrapper(json::object{{"name", "x"}}, next_tx_id(), std::nullopt, std::nullopt)), 400,
       "INVALID_BODY"},
      {"update of missing entity", "PATCH", "/pages/nope", upd("name", "v"), 404, "NOT_FOUND"},
      {"wrong content type", "POST", "", page({{"id", "x23"}, {"name", "n"}}), 415,
       "UNSUPPORTED_MEDIA_TYPE", "text/plain"},
      {"form content type", "PATCH", "/pages/target", upd("name", "v"), 415,
       "UNSUPPORTED_MEDIA_TYPE", "application/x-www-form-urlencoded"},
      {"oversize body", "POST", "", huge, 413, "PAYLOAD_TOO_LARGE"},
      {"NUL byte in a path id", "PATCH", "/pages/target%00evil", upd("name", "v"), 400,
       "BAD_TARGET"},
      {"invalid UTF-8 in a path id", "DELETE", "/pages/%FF",
       s(delete_body(next_tx_id(), std::nullopt)), 400, "BAD_TARGET"},
      {"invalid UTF-8 in a query", "GET", "/pages?cursor=%C3%28", "", 400, "BAD_TARGET"},
      {"wrong method on collection", "PUT", "", page({{"id", "x24"}, {"name", "n"}}), 405,
       "METHOD_NOT_ALLOWED"},
      {"wrong method on entity", "POST", "/pages/target", upd("name", "v"), 405,
       "METHOD_NOT_ALLOWED"},
      {"sign-up bad email", "POST", "/auth/sign-up",
       s(json::object{{"email", "nope"}, {"password", "longenough"}, {"name", "n"}}), 400,
       "INVALID_FIELD"},
      {"sign-up short password", "POST", "/auth/sign-up",
       s(json::object{{"email", "a@b.c"}, {"password", "short"}, {"name", "n"}}), 400,
       "INVALID_FIELD"},
      {"sign-up unknown field", "POST", "/auth/sign-up",
       s(json::object{
           {"email", "a@b.c"}, {"password", "longenough"}, {"name", "n"}, {"admin", true}}),
       400, "UNKNOWN_FIELD"},
      {"org bad slug", "POST", "/organizations",
       s(json::object{{"name", "n"}, {"slug", "Bad_Slug"}}), 400, "INVALID_FIELD"},
      {"membership bad role", "POST", "/memberships",
       s(json::object{{"userId", "usr_x"}, {"role", "owner"}}), 400, "INVALID_FIELD"},
      {"invitation bad address", "POST", "/invitations",
       s(json::object{{"email", "no address"}, {"role", "member"}}), 400, "INVALID_FIELD"},
  };

  auto http = api();
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto before = snapshot();
    std::string path = c.path.starts_with("/auth") || c.path == "/organizations"
                           ? c.path
                           : "/organizations/" + *org_ + (c.path.empty() ? "/pages" : c.path);
    auto r = http.request(
        c.method, path, c.body,
        {{"Content-Type", c.content_type}, {"Authorization", "Bearer " + admin_->token}});
    EXPECT_EQ(r.status, c.status) << r.body.substr(0, 300);
    EXPECT_EQ(r.error_code(), c.code) << r.body.substr(0, 300);
    EXPECT_EQ(r.headers["content-type"], "application/json");
    EXPECT_EQ(snapshot(), before);
  }
  // The server is still healthy after all of it.
  EXPECT_EQ(http.get("/health").status, 200);
}

TEST_F(BadInput, SqlLookingTextIsStoredLiterallyAPI001) {
  auto http = api();
  const std::string evil = "Robert'); DROP TABLE pages;-- \" \\ $1 %s";
  auto r = http.send("POST", "/organizations/" + *org_ + "/pages",
                     create_body({{"id", "bobby"}, {"name", evil}}, next_tx_id()), admin_->token);
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(sql_value("SELECT name FROM pages WHERE id = 'bobby'"), evil);
}

TEST_F(BadInput, MalformedHttpGets400AndServerSurvivesAPI002) {
  auto http = api();
  auto out = http.raw("GARBAGE\r\n\r\n");
  EXPECT_NE(out.find("400"), std::string::npos) << out;
  out = http.raw("GET /health HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n");
  EXPECT_NE(out.find("400"), std::string::npos) << out;
  out = http.raw("GET /%zz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_NE(out.find(" 400 "), std::string::npos) << out;
  EXPECT_EQ(http.get("/health").status, 200);
}

}  // namespace syncline::test

namespace syncline::test {

TEST(BadTarget, UndecodableOrgSegmentsAre4xxNever500API002) {
  auto http = api();
  auto user = sign_up(http);
  for (const char* target : {"/organizations/%FF", "/organizations/%C3%28/pages",
                             "/organizations/acme%00zz", "/organizations/%0Aforged/pages"}) {
    auto r = http.get(target, user.token);
    EXPECT_GE(r.status, 400) << target;
    EXPECT_LT(r.status, 500) << target;
    EXPECT_FALSE(r.error_code().empty()) << target;
  }
  // A syntactically valid but unknown org is a 404 after authentication.
  EXPECT_EQ(http.get("/organizations/no_such_org", user.token).status, 404);
  EXPECT_EQ(http.get("/organizations/no_such_org").status, 401);
}

}  // namespace syncline::test
