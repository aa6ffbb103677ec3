// The {data, tx} wrapper parser (API-001..012, CON-2/3, CLOCK_SKEW guard).
#include "sync/mutation.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

namespace syncline::sync {

namespace json = boost::json;

namespace {
constexpr std::int64_t kNow = 1764081234567;

Result<Mutation> parse(const std::string& body, Action a) {
  return parse_mutation(json::parse(body).as_object(), a, kNow);
}

std::string code(const Result<Mutation>& r) {
  return r ? "" : r.error().code;
}

const std::string kTx = R"("tx":{"transactionId":"1764081234567.0000.nodeA","sourceId":"src-1",)";
}  // namespace

TEST(MutationWrapper, CreateUpdateDeleteHappyPathsAPI001) {
  auto c = parse(
      "{\"data\":{\"id\":\"p\"}," + kTx + R"("changedField":null,"expectedTransactionId":null}})",
      Action::kCreate);
  ASSERT_TRUE(c) << code(c);
  EXPECT_EQ(c->tx.transaction_id, "1764081234567.0000.nodeA");
  EXPECT_EQ(c->tx.source_id, "src-1");
  EXPECT_FALSE(c->tx.changed_field);

  auto u = parse("{\"data\":{\"name\":\"x\"}," + kTx +
                     R"("changedField":"name","expectedTransactionId":"1764081234000.0001.b"}})",
                 Action::kUpdate);
  ASSERT_TRUE(u) << code(u);
  EXPECT_EQ(*u->tx.changed_field, "name");
  EXPECT_EQ(*u->tx.expected_transaction_id, "1764081234000.0001.b");

  // Delete: data may be absent, expectedTransactionId may be omitted.
  auto d = parse("{" + kTx + R"("changedField":null}})", Action::kDelete);
  ASSERT_TRUE(d) << code(d);
  EXPECT_TRUE(d->data.empty());
}

TEST(MutationWrapper, RejectsMalformedWrappersAPI002) {
  struct Case {
    std::string body;
    Action action;
    std::string code;
  } cases[] = {
      {R"({"data":{}})", Action::kCreate, "MISSING_FIELD"},
      {"{\"data\":{}," + kTx + R"("changedField":null}})", Action::kCreate, "MISSING_FIELD"},
      {"{\"data\":{}," + kTx + R"("changedField":null,"expectedTransactionId":null,"x":1}})",
       Action::kCreate, "UNKNOWN_FIELD"},
      {"{\"data\":{},\"extra\":1," + kTx + R"("changedField":null,"expectedTransactionId":null}})",
       Action::kCreate, "UNKNOWN_FIELD"},
      {"{\"data\":[]," + kTx + R"("changedField":null,"expectedTransactionId":null}})",
       Action::kCreate, "INVALID_FIELD"},
      {"{\"data\":{}," + kTx + R"("changedField":"name","expectedTransactionId":null}})",
       Action::kCreate, "INVALID_CHANGED_FIELD"},
      {"{\"data\":{}," + kTx +
           R"("changedField":null,"expectedTransactionId":"1764081234567.0000.a"}})",
       Action::kCreate, "INVALID_BODY"},
      {"{\"data\":{\"name\":1}," + kTx + R"("changedField":null,"expectedTransactionId":null}})",
       Action::kUpdate, "INVALID_CHANGED_FIELD"},
      {"{\"data\":{\"name\":1,\"status\":2}," + kTx +
           R"("changedField":"name","expectedTransactionId":null}})",
       Action::kUpdate, "INVALID_BODY"},
      {"{\"data\":{\"status\":1}," + kTx +
           R"("changedField":"name","expectedTransactionId":null}})",
       Action::kUpdate, "INVALID_BODY"},
      {"{\"data\":{\"name\":1}," + kTx + R"("changedField":"name","expectedTransactionId":"bad"}})",
       Action::kUpdate, "INVALID_TRANSACTION_ID"},
      {R"({"data":{},"tx":{"transactionId":7,"sourceId":"s","changedField":null,"expectedTransactionId":null}})",
       Action::kCreate, "INVALID_TRANSACTION_ID"},
      {R"({"data":{},"tx":{"transactionId":"1764081234567.0000.nodeA","sourceId":"bad id","changedField":null,"expectedTransactionId":null}})",
       Action::kCreate, "INVALID_SOURCE_ID"},
      {R"({"data":{},"tx":{"transactionId":"1764081234567.0000.nodeA","sourceId":"","changedField":null,"expectedTransactionId":null}})",
       Action::kCreate, "INVALID_SOURCE_ID"},
      {"{\"data\":{\"name\":\"x\"}," + kTx + R"("changedField":null}})", Action::kDelete,
       "INVALID_BODY"},
      {R"({"data":{},"tx":"nope"})", Action::kCreate, "INVALID_FIELD"},
  };
  for (const auto& c : cases) {
    auto r = parse(c.body, c.action);
    EXPECT_FALSE(r) << c.body;
    EXPECT_EQ(code(r), c.code) << c.body;
    if (!r) {
      EXPECT_EQ(r.error().kind, ErrorKind::kInvalid);
    }
  }
}

TEST(MutationWrapper, ClockSkewBeyondSixtySecondsIsRejectedDATA021) {
  auto at = [](std::int64_t ms) {
    return "{\"data\":{},\"tx\":{\"transactionId\":\"" + std::to_string(ms) +
           R"(.0000.n","sourceId":"s","changedField":null,"expectedTransactionId":null}})";
  };
  EXPECT_TRUE(parse(at(kNow + kMaxClockSkewMs), Action::kCreate));
  EXPECT_EQ(code(parse(at(kNow + kMaxClockSkewMs + 1), Action::kCreate)), "CLOCK_SKEW");
  EXPECT_TRUE(parse(at(kNow - 86'400'000), Action::kCreate));  // old clocks are fine
}

}  // namespace syncline::sync
