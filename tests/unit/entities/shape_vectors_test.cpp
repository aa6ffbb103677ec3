// Shape membership from the shared vectors (tests/vectors/shapes.json; issue 27 item 7): the
// server's rule (entities::TypeShape::matches over a parsed union) and the native client's
// (client::in_any) give every case its expected answer. The browser's runs the same file
// (tests/js/vectors_test.mjs).
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "entities/shape.h"
#include "syncline/shape.h"
#include "vectors.h"

namespace syncline {
namespace {

namespace json = boost::json;

json::array cases() {
  return test::read_vectors("shapes.json").as_object().at("cases").as_array();
}

TEST(ShapeVectors, TheServerAndTheNativeClientAgreeWithEveryCaseSHAPE001) {
  const auto all = cases();
  ASSERT_GE(all.size(), 20u);
  for (const auto& v : all) {
    const auto& c = v.as_object();
    const auto& shapes = c.at("shapes").as_array();
    const std::string type(c.at("type").as_string());
    const auto& data = c.at("data").as_object();
    const bool expected = c.at("in").as_bool();
    SCOPED_TRACE(std::string(c.at("why").as_string()) + ": " + json::serialize(c));

    auto server = entities::parse_shape(json::serialize(shapes));
    ASSERT_TRUE(server) << server.error().message;
    const auto* t = server->of(type);
    EXPECT_EQ(t && t->matches(data), expected) << "server";

    std::vector<client::Shape> native;
    for (const auto& s : shapes) native.push_back(s.as_object());
    EXPECT_EQ(client::in_any(native, type, data), expected) << "native client";
  }
}

}  // namespace
}  // namespace syncline
