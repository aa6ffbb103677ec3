// The synced write path against the real server and Postgres: wrapper echo (API-001..012),
// idempotency (API-030..032), field conflicts (API-020..024, CONFLICT-001..005),
// permissions (DESIGN §7, SEC-001..005).
#include <gtest/gtest.h>

#include <thread>

#include "support/fixtures.h"
#include "support/mutations.h"

namespace syncline::test {

namespace json = boost::json;

class WritePath : public ::testing::Test {
 protected:
  void SetUp() override {
    admin_ = sign_up(http_, "Admin");
    org_ = std::string(create_org(http_, admin_)["id"].as_string());
    pages_ = "/organizations/" + org_ + "/pages";
  }

  // Creates a page and returns the create's txId.
  std::string create_page(const std::string& id, const TestUser& as,
                          const std::string& name = "P") {
    auto tx = next_tx_id();
    auto r = http_.send("POST", pages_, create_body({{"id", id}, {"name", name}}, tx), as.token);
    EXPECT_EQ(r.status, 201) << r.body;
    return tx;
  }

  std::string count(const std::string& table, const std::string& where) {
    return sql_value("SELECT count(*) FROM " + table + " WHERE " + where);
  }

  Http http_ = api();
  TestUser admin_;
  std::string org_;
  std::string pages_;
};

TEST_F(WritePath, CreateEchoesTxAndReturnsFieldTxAPI011) {
  auto tx = next_tx_id();
  auto r = http_.send("POST", pages_,
                      create_body({{"id", "home"}, {"name", "Home"}, {"displayOrder", 2.5}}, tx),
                      admin_.token);
  ASSERT_EQ(r.status, 201) << r.body;
  auto body = r.json().as_object();
  EXPECT_EQ(body["tx"].as_object()["transactionId"].as_string(), tx);
  auto& data = body["data"].as_object();
  EXPECT_EQ(data["id"].as_string(), "home");
  EXPECT_EQ(data["organizationId"].as_string(), org_);
  EXPECT_EQ(data["name"].as_string(), "Home");
  EXPECT_EQ(data["status"].as_string(), "unpublished");
  EXPECT_DOUBLE_EQ(data["displayOrder"].to_number<double>(), 2.5);
  EXPECT_EQ(data["createdBy"].as_string(), admin_.id);
  EXPECT_FALSE(data.contains("fieldTx"));  // DATA-006: never inside data
  EXPECT_FALSE(data.contains("tx"));
  auto& ftx = body["fieldTx"].as_object();
  EXPECT_EQ(ftx["name"].as_string(), tx);
  EXPECT_EQ(ftx["displayOrder"].as_string(), tx);
  EXPECT_EQ(sql_value("SELECT tx->>'transactionId' FROM pages WHERE id = 'home'"), tx);
  EXPECT_EQ(sql_value("SELECT tx->>'sourceId' FROM pages WHERE id = 'home'"), kSource);

  auto get = http_.get(pages_ + "/home", admin_.token);
  ASSERT_EQ(get.status, 200);
  EXPECT_EQ(get.json().as_object()["fieldTx"].as_object()["name"].as_string(), tx);
  EXPECT_EQ(get.json().as_object()["tx"].as_object()["transactionId"].as_string(), tx);
}

TEST_F(WritePath, UpdateAndDeleteAnswer200API012) {
  auto t1 = create_page("p1", admin_);
  auto t2 = next_tx_id();
  auto r =
      http_.send("PATCH", pages_ + "/p1", update_body("name", "Renamed", t2, t1), admin_.token);
  ASSERT_EQ(r.status, 200) << r.body;
  auto body = r.json().as_object();
  EXPECT_EQ(body["data"].as_object()["name"].as_string(), "Renamed");
  EXPECT_EQ(body["tx"].as_object()["transactionId"].as_string(), t2);
  EXPECT_EQ(body["fieldTx"].as_object()["name"].as_string(), t2);
  EXPECT_EQ(sql_value("SELECT tx->>'changedField' FROM pages WHERE id = 'p1'"), "name");

  auto t3 = next_tx_id();
  auto d = http_.send("DELETE", pages_ + "/p1", delete_body(t3, t2), admin_.token);
  ASSERT_EQ(d.status, 200) << d.body;
  EXPECT_TRUE(d.json().as_object()["data"].is_null());
  EXPECT_EQ(d.json().as_object()["tx"].as_object()["transactionId"].as_string(), t3);
  EXPECT_EQ(http_.get(pages_ + "/p1", admin_.token).status, 404);
}

TEST_F(WritePath, StaleExpectedTransactionGets409WithServerValueAPI020) {
  auto t1 = create_page("p2", admin_, "Original");
  auto t2 = next_tx_id();
  ASSERT_EQ(http_.send("PATCH", pages_ + "/p2", update_body("name", "First", t2, t1), admin_.token)
                .status,
            200);
  auto stale = http_.send("PATCH", pages_ + "/p2", update_body("name", "Second", next_tx_id(), t1),
                          admin_.token);
  ASSERT_EQ(stale.status, 409) << stale.body;
  auto body = stale.json().as_object();
  auto& err = body["error"].as_object();
  EXPECT_EQ(err["code"].as_string(), "FIELD_CONFLICT");
  EXPECT_EQ(err["field"].as_string(), "name");
  EXPECT_EQ(err["expectedTransactionId"].as_string(), t1);
  EXPECT_EQ(err["serverTransactionId"].as_string(), t2);
  EXPECT_EQ(err["serverValue"].as_string(), "First");
  EXPECT_EQ(body["data"].as_object()["name"].as_string(), "First");
  EXPECT_EQ(body["fieldTx"].as_object()["name"].as_string(), t2);
  EXPECT_EQ(sql_value("SELECT name FROM pages WHERE id = 'p2'"), "First");
}

TEST_F(WritePath, ConflictIsPerFieldCONFLICT003) {
  auto t1 = create_page("p3", admin_);
  ASSERT_EQ(
      http_.send("PATCH", pages_ + "/p3", update_body("name", "A", next_tx_id(), t1), admin_.token)
          .status,
      200);
  // Another field never written since the create: expecting the create's tx is fine, and
  // a field the create did not write (no fieldTx entry) accepts any expectation.
  EXPECT_EQ(http_
                .send("PATCH", pages_ + "/p3",
                      update_body("status", "published", next_tx_id(), std::nullopt), admin_.token)
                .status,
            200);
  EXPECT_EQ(http_
                .send("PATCH", pages_ + "/p3",
                      update_body("description", "d", next_tx_id(), std::nullopt), admin_.token)
                .status,
            200);
}

TEST_F(WritePath, StaleDeleteGetsConflictWithNullFieldAPI020) {
  auto t1 = create_page("p4", admin_);
  ASSERT_EQ(
      http_.send("PATCH", pages_ + "/p4", update_body("name", "B", next_tx_id(), t1), admin_.token)
          .status,
      200);
  auto r = http_.send("DELETE", pages_ + "/p4", delete_body(next_tx_id(), t1), admin_.token);
  ASSERT_EQ(r.status, 409);
  EXPECT_EQ(r.error_code(), "FIELD_CONFLICT");
  EXPECT_TRUE(r.json().as_object()["error"].as_object()["field"].is_null());
  EXPECT_EQ(count("pages", "id = 'p4'"), "1");
  // Without an expectation the delete goes through.
  EXPECT_EQ(
      http_.send("DELETE", pages_ + "/p4", delete_body(next_tx_id(), std::nullopt), admin_.token)
          .status,
      200);
}

TEST_F(WritePath, RetriedCreateUpdateDeleteWriteNothingTwiceAPI030) {
  auto tc = next_tx_id();
  auto create = create_body({{"id", "idem"}, {"name", "One"}}, tc);
  ASSERT_EQ(http_.send("POST", pages_, create, admin_.token).status, 201);
  auto modified = sql_value("SELECT modified_at FROM pages WHERE id = 'idem'");
  auto again = http_.send("POST", pages_, create, admin_.token);
  EXPECT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(again.json().as_object()["tx"].as_object()["transactionId"].as_string(), tc);
  EXPECT_EQ(count("pages", "id = 'idem'"), "1");
  EXPECT_EQ(sql_value("SELECT modified_at FROM pages WHERE id = 'idem'"), modified);

  auto tu = next_tx_id();
  auto update = update_body("name", "Two", tu, tc);
  ASSERT_EQ(http_.send("PATCH", pages_ + "/idem", update, admin_.token).status, 200);
  modified = sql_value("SELECT modified_at FROM pages WHERE id = 'idem'");
  // A later write to the same field, then the old update retried: still a no-op 200.
  auto tl = next_tx_id();
  ASSERT_EQ(
      http_.send("PATCH", pages_ + "/idem", update_body("name", "Three", tl, tu), admin_.token)
          .status,
      200);
  auto later_modified = sql_value("SELECT modified_at FROM pages WHERE id = 'idem'");
  auto retry = http_.send("PATCH", pages_ + "/idem", update, admin_.token);
  EXPECT_EQ(retry.status, 200) << retry.body;
  EXPECT_EQ(retry.json().as_object()["tx"].as_object()["transactionId"].as_string(), tu);
  EXPECT_EQ(retry.json().as_object()["data"].as_object()["name"].as_string(), "Three");
  EXPECT_EQ(sql_value("SELECT name FROM pages WHERE id = 'idem'"), "Three");
  EXPECT_EQ(sql_value("SELECT modified_at FROM pages WHERE id = 'idem'"), later_modified);

  auto td = next_tx_id();
  auto del = delete_body(td, std::nullopt);
  ASSERT_EQ(http_.send("DELETE", pages_ + "/idem", del, admin_.token).status, 200);
  auto del_again = http_.send("DELETE", pages_ + "/idem", del, admin_.token);
  EXPECT_EQ(del_again.status, 200) << del_again.body;
  EXPECT_TRUE(del_again.json().as_object()["data"].is_null());
  EXPECT_EQ(count("applied_transactions", "entity_id = 'idem'"), "4");
  // The create retried after the delete must not resurrect the page.
  EXPECT_EQ(http_.send("POST", pages_, create, admin_.token).status, 200);
  EXPECT_EQ(count("pages", "id = 'idem'"), "0");
}

TEST_F(WritePath, RacingCopiesOfOneRequestApplyOnceAPI031) {
  for (int round = 0; round < 20; ++round) {
    std::string id = "race-copy-" + std::to_string(round);
    auto body = create_body({{"id", id}, {"name", "x"}}, next_tx_id());
    int statuses[2] = {0, 0};
    std::thread a([&] { statuses[0] = http_.send("POST", pages_, body, admin_.token).status; });
    std::thread b([&] { statuses[1] = http_.send("POST", pages_, body, admin_.token).status; });
    a.join();
    b.join();
    EXPECT_EQ(std::min(statuses[0], statuses[1]), 200) << round;
    EXPECT_EQ(std::max(statuses[0], statuses[1]), 201) << round;
    EXPECT_EQ(count("pages", "id = '" + id + "'"), "1");
  }
}

TEST_F(WritePath, TwoWritersSameExpectationExactlyOneWinsCONFLICT002) {
  auto base = create_page("race", admin_);
  for (int round = 0; round < 100; ++round) {
    std::string t[2] = {next_tx_id(), next_tx_id()};
    int statuses[2] = {0, 0};
    std::thread a([&] {
      statuses[0] =
          http_.send("PATCH", pages_ + "/race", update_body("name", "a", t[0], base), admin_.token)
              .status;
    });
    std::thread b([&] {
      statuses[1] =
          http_.send("PATCH", pages_ + "/race", update_body("name", "b", t[1], base), admin_.token)
              .status;
    });
    a.join();
    b.join();
    ASSERT_EQ(std::min(statuses[0], statuses[1]), 200) << "round " << round;
    ASSERT_EQ(std::max(statuses[0], statuses[1]), 409) << "round " << round;
    base = statuses[0] == 200 ? t[0] : t[1];
    EXPECT_EQ(sql_value("SELECT field_tx->>'name' FROM pages WHERE id = 'race'"), base);
  }
}

TEST_F(WritePath, ReusedTransactionIdOnAnotherEntityIs422API032) {
  auto tx = create_page("reuse-a", admin_);
  auto r =
      http_.send("POST", pages_, create_body({{"id", "reuse-b"}, {"name", "B"}}, tx), admin_.token);
  EXPECT_EQ(r.status, 422);
  EXPECT_EQ(r.error_code(), "TRANSACTION_ID_REUSED");
  EXPECT_EQ(count("pages", "id = 'reuse-b'"), "0");
}

TEST_F(WritePath, ExistingIdUnderAnotherTxIs409EntityExistsCONFLICT005) {
  create_page("dup", admin_, "first");
  auto tx = next_tx_id();
  auto r = http_.send("POST", pages_, create_body({{"id", "dup"}, {"name", "second"}}, tx),
                      admin_.token);
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(r.error_code(), "ENTITY_EXISTS");
  EXPECT_EQ(sql_value("SELECT name FROM pages WHERE id = 'dup'"), "first");
  // A 4xx commits nothing: the txId is free to use for a fixed request (DESIGN §4).
  EXPECT_EQ(count("applied_transactions", "transaction_id = '" + tx + "'"), "0");
  EXPECT_EQ(
      http_.send("POST", pages_, create_body({{"id", "dup-2"}, {"name", "ok"}}, tx), admin_.token)
          .status,
      201);
}

TEST_F(WritePath, AttachmentsRoundTripAPI001) {
  auto att = "/organizations/" + org_ + "/attachments";
  auto tx = next_tx_id();
  auto r = http_.send("POST", att,
                      create_body({{"id", "a1"},
                                   {"name", "Logo"},
                                   {"filename", "logo.png"},
                                   {"contentType", "image/png"},
                                   {"size", 1234},
                                   {"public", true}},
                                  tx),
                      admin_.token);
  ASSERT_EQ(r.status, 201) << r.body;
  auto d = r.json().as_object()["data"].as_object();
  EXPECT_EQ(d["size"].to_number<std::int64_t>(), 1234);
  EXPECT_EQ(d["public"].as_bool(), true);
  EXPECT_TRUE(d["thumbnailKey"].is_null());
  auto u =
      http_.send("PATCH", att + "/a1",
                 update_body("thumbnailKey", "t/1.png", next_tx_id(), std::nullopt), admin_.token);
  ASSERT_EQ(u.status, 200) << u.body;
  EXPECT_EQ(u.json().as_object()["data"].as_object()["thumbnailKey"].as_string(), "t/1.png");
  auto list = http_.get(att, admin_.token);
  ASSERT_EQ(list.status, 200);
  EXPECT_EQ(list.json().as_object()["items"].as_array().size(), 1u);
  EXPECT_EQ(http_.send("DELETE", att + "/a1", delete_body(next_tx_id(), std::nullopt), admin_.token)
                .status,
            200);
}

TEST_F(WritePath, ListPaginatesWithOpaqueCursorDATASCALE001) {
  for (int i = 0; i < 7; ++i) create_page("list-" + std::to_string(i), admin_);
  std::vector<std::string> seen;
  std::string cursor;
  for (int guard = 0; guard < 10; ++guard) {
    auto r =
        http_.get(pages_ + "?limit=3" + (cursor.empty() ? "" : "&cursor=" + cursor), admin_.token);
    ASSERT_EQ(r.status, 200) << r.body;
    auto body = r.json().as_object();
    for (auto& item : body["items"].as_array())
      seen.emplace_back(item.as_object()["data"].as_object()["id"].as_string());
    if (body["nextCursor"].is_null()) break;
    cursor = std::string(body["nextCursor"].as_string());
  }
  ASSERT_EQ(seen.size(), 7u);
  EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end()));
  EXPECT_EQ(http_.get(pages_ + "?limit=0", admin_.token).error_code(), "INVALID_LIMIT");
  EXPECT_EQ(http_.get(pages_ + "?cursor=%%%", admin_.token).status, 400);
  EXPECT_EQ(http_.get(pages_ + "?cursor=bm90LWFuLWlkIQ", admin_.token).error_code(),
            "INVALID_CURSOR");
}

TEST_F(WritePath, MemberAndAdminPermissionsSEC001) {
  auto member = sign_up(http_, "Member");
  add_member(http_, admin_, org_, member, "member");
  auto admin_tx = create_page("admins-page", admin_);
  auto member_tx = create_page("members-page", member);
  // Members update any page but delete only their own (DESIGN §7).
  EXPECT_EQ(http_
                .send("PATCH", pages_ + "/admins-page",
                      update_body("name", "m", next_tx_id(), admin_tx), member.token)
                .status,
            200);
  auto denied = http_.send("DELETE", pages_ + "/admins-page",
                           delete_body(next_tx_id(), std::nullopt), member.token);
  EXPECT_EQ(denied.status, 403);
  EXPECT_EQ(count("pages", "id = 'admins-page'"), "1");
  EXPECT_EQ(http_
                .send("DELETE", pages_ + "/members-page", delete_body(next_tx_id(), std::nullopt),
                      member.token)
                .status,
            200);
  // Attachments: members update only their own; admins update any.
  auto att = "/organizations/" + org_ + "/attachments";
  ASSERT_EQ(http_
                .send("POST", att,
                      create_body({{"id", "adm-att"},
                                   {"name", "n"},
                                   {"filename", "f"},
                                   {"contentType", "text/plain"},
                                   {"size", 1}},
                                  next_tx_id()),
                      admin_.token)
                .status,
            201);
  EXPECT_EQ(http_
                .send("PATCH", att + "/adm-att",
                      update_body("name", "x", next_tx_id(), std::nullopt), member.token)
                .status,
            403);
  auto mem_att_tx = next_tx_id();
  ASSERT_EQ(http_
                .send("POST", att,
                      create_body({{"id", "mem-att"},
                                   {"name", "n"},
                                   {"filename", "f"},
                                   {"contentType", "text/plain"},
                                   {"size", 1}},
                                  mem_att_tx),
                      member.token)
                .status,
            201);
  EXPECT_EQ(http_
                .send("PATCH", att + "/mem-att", update_body("name", "x", next_tx_id(), mem_att_tx),
                      admin_.token)
                .status,
            200);
}

TEST_F(WritePath, NonMemberGets403AndAnonymous401SEC001) {
  create_page("private", admin_);
  auto outsider = sign_up(http_, "Outsider");
  EXPECT_EQ(http_.get(pages_, outsider.token).status, 403);
  EXPECT_EQ(http_.get(pages_ + "/private", outsider.token).status, 403);
  auto w =
      http_.send("POST", pages_, create_body({{"id", "intruder"}, {"name", "x"}}, next_tx_id()),
                 outsider.token);
  EXPECT_EQ(w.status, 403);
  EXPECT_EQ(http_.get(pages_).status, 401);
  EXPECT_EQ(http_.get(pages_, "not-a-real-token").status, 401);
  EXPECT_EQ(
      http_.send("POST", pages_, create_body({{"id", "anon"}, {"name", "x"}}, next_tx_id())).status,
      401);
  EXPECT_EQ(count("pages", "id IN ('intruder', 'anon')"), "0");
}

}  // namespace syncline::test

namespace syncline::test {

// Another user cannot pre-claim someone's transaction ids (ledger keyed per user).
TEST_F(WritePath, TransactionIdsAreClaimedPerUserAPI032) {
  auto other = sign_up(http_, "Other");
  auto other_org = std::string(create_org(http_, other)["id"].as_string());
  auto tx = next_tx_id();
  ASSERT_EQ(http_
                .send("POST", "/organizations/" + other_org + "/pages",
                      create_body({{"id", "claim-theirs"}, {"name", "x"}}, tx), other.token)
                .status,
            201);
  auto mine = http_.send("POST", pages_, create_body({{"id", "claim-mine"}, {"name", "y"}}, tx),
                         admin_.token);
  EXPECT_EQ(mine.status, 201) << mine.body;
  // The same user reusing it elsewhere is still refused.
  EXPECT_EQ(http_
                .send("POST", pages_, create_body({{"id", "claim-again"}, {"name", "z"}}, tx),
                      admin_.token)
                .error_code(),
            "TRANSACTION_ID_REUSED");
}

}  // namespace syncline::test

#include <libpq-fe.h>

namespace syncline::test {

// A row locked elsewhere makes a write wait at most lock_timeout, then 503 BUSY (never a
// worker thread stuck for as long as the other transaction lives).
TEST_F(WritePath, ALongHeldRowLockGives503BusySEC020) {
  auto t1 = create_page("locked", admin_);
  PGconn* holder = PQconnectdb(db_url().c_str());
  PQclear(PQexec(holder, "BEGIN"));
  PQclear(PQexec(holder, "SELECT 1 FROM pages WHERE id = 'locked' FOR UPDATE"));
  auto r = http_.send("PATCH", pages_ + "/locked", update_body("name", "x", next_tx_id(), t1),
                      admin_.token);
  PQclear(PQexec(holder, "ROLLBACK"));
  PQfinish(holder);
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.error_code(), "BUSY");
  // Nothing was claimed: the same request succeeds now.
  EXPECT_EQ(http_
                .send("PATCH", pages_ + "/locked", update_body("name", "y", next_tx_id(), t1),
                      admin_.token)
                .status,
            200);
}

}  // namespace syncline::test
