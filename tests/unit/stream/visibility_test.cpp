// STREAM-040..043: a row read right after its activity may still be the version before it
// (decoding sees a commit a moment before other sessions do); such a row is recognised by every
// fieldTx sorting below the activity's transaction, and only such a row.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "stream/catch_up.h"

namespace syncline::stream {

namespace json = boost::json;

TEST(Visibility, ARowOlderThanItsActivityIsRecognisedSTREAM040) {
  auto tx = json::parse(R"({"transactionId":"1795633447531.0000.abcdefghijkl"})");
  auto data = json::parse(R"({"id":"p","name":"x"})");
  // The version before the update: only the create's transaction.
  EXPECT_TRUE(
      older_than_activity(tx, data, json::parse(R"({"name":"1795633447530.0000.abcdefghijkl"})")));
  // The update itself, or anything later on any field: current enough.
  EXPECT_FALSE(
      older_than_activity(tx, data, json::parse(R"({"name":"1795633447530.0000.abcdefghijkl",
                      "description":"1795633447531.0000.abcdefghijkl"})")));
  EXPECT_FALSE(
      older_than_activity(tx, data, json::parse(R"({"name":"1795633447999.0003.zzzzzzzzzzzz"})")));
  // Nothing to compare: a write without tx, a deleted row.
  EXPECT_FALSE(older_than_activity(nullptr, data, json::parse(R"({"name":"1"})")));
  EXPECT_FALSE(older_than_activity(tx, nullptr, json::object{}));
}

}  // namespace syncline::stream
