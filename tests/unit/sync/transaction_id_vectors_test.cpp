// Transaction ids from the shared vectors (tests/vectors/transaction_ids.json; issue 27 item 7):
// the format the server and the native client parse, and the order both sort by. The browser's
// runs the same file (tests/js/vectors_test.mjs).
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "sync/hlc.h"
#include "syncline/hlc.h"
#include "vectors.h"

namespace syncline {
namespace {

namespace json = boost::json;

json::object vectors() {
  return test::read_vectors("transaction_ids.json").as_object();
}

int sign(int v) {
  return (v > 0) - (v < 0);
}

TEST(TransactionIdVectors, FormatAndOrderAsEveryClientSeesThemDATA020) {
  const auto v = vectors();
  ASSERT_FALSE(v.at("valid").as_array().empty());
  for (const auto& id : v.at("valid").as_array()) {
    const std::string s(id.as_string());
    auto parsed = sync::parse_transaction_id(s);
    ASSERT_TRUE(parsed) << s;
    EXPECT_EQ(sync::format_transaction_id(*parsed), s);  // round trip
  }
  for (const auto& id : v.at("invalid").as_array())
    EXPECT_FALSE(sync::parse_transaction_id(id.as_string())) << "'" << id.as_string() << "'";
  for (const auto& o : v.at("order").as_array()) {
    const auto& c = o.as_object();
    const std::string a(c.at("a").as_string()), b(c.at("b").as_string());
    const int expected = static_cast<int>(c.at("sign").as_int64());
    SCOPED_TRACE(std::string(c.at("why").as_string()));
    EXPECT_EQ(sign(sync::compare_transaction_ids(*sync::parse_transaction_id(a),
                                                 *sync::parse_transaction_id(b))),
              expected);
    EXPECT_EQ(sign(client::compare_transaction_ids(a, b)), expected) << "native client";
    EXPECT_EQ(sign(client::compare_transaction_ids(b, a)), -expected) << "native client";
  }
}

}  // namespace
}  // namespace syncline
