// Shapes (DESIGN §16, SHAPE-001..004) on the demo schema: parsing, every refusal (400
// INVALID_SHAPE with the reason), membership of entity data, and the SQL a list adds.
#include "entities/shape.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

namespace syncline::entities {
namespace {

namespace json = boost::json;

Shape parsed(std::string_view text) {
  auto s = parse_shape(text);
  EXPECT_TRUE(s) << text << ": " << (s ? "" : s.error().message);
  return s ? std::move(*s) : Shape{};
}

std::string refusal(std::string_view text) {
  auto s = parse_shape(text);
  if (s) return "accepted";
  EXPECT_EQ(s.error().code, "INVALID_SHAPE") << text;
  EXPECT_EQ(s.error().kind, ErrorKind::kInvalid);  // 400
  return s.error().message;
}

bool in(const Shape& s, const std::string& type, std::string_view data) {
  const auto* t = s.of(type);
  return t && t->matches(json::parse(data).as_object());
}

TEST(Shape, EqualityInAndNullPerTypeSHAPE001) {
  auto s = parsed(
      R"({"page":{"status":["published","archived"],"parentId":null},"attachment":{"size":3}})");
  ASSERT_EQ(s.types.size(), 2u);
  EXPECT_TRUE(in(s, "page", R"({"status":"published","parentId":null})"));
  EXPECT_TRUE(in(s, "page", R"({"status":"archived"})"));  // absent is null
  EXPECT_FALSE(in(s, "page", R"({"status":"unpublished","parentId":null})"));
  EXPECT_FALSE(in(s, "page", R"({"status":"published","parentId":"p1"})"));
  EXPECT_TRUE(in(s, "attachment", R"({"size":3.0})"));  // numbers by value
  EXPECT_FALSE(in(s, "attachment", R"({"size":4})"));
  EXPECT_FALSE(in(s, "attachment", R"({})"));
  EXPECT_TRUE(s.of("page")->filters_on("status"));
  EXPECT_FALSE(s.of("page")->filters_on("name"));
}

TEST(Shape, AnEmptyObjectIsTheWholeTypeAndOtherTypesAreNotInItSHAPE001) {
  auto s = parsed(R"({"page":{}})");
  EXPECT_TRUE(in(s, "page", R"({"name":"x"})"));
  EXPECT_EQ(s.of("attachment"), nullptr);
}

TEST(Shape, ServerSetFieldsMayBeFilteredOnSHAPE001) {
  auto s = parsed(R"({"page":{"createdBy":"u_1"}})");
  EXPECT_TRUE(in(s, "page", R"({"createdBy":"u_1"})"));
  EXPECT_FALSE(in(s, "page", R"({"createdBy":"u_2"})"));
}

// DATA-SCALE (on demand): a set of entities by key — TanStack DB's detail views and windows —
// and `id: null`, which no entity is in (a stream that carries no rows).
TEST(Shape, TheKeyMayBeFilteredOnDATASCALE003) {
  auto s = parsed(R"({"page":{"id":["p1","p2"]}})");
  EXPECT_TRUE(in(s, "page", R"({"id":"p1"})"));
  EXPECT_FALSE(in(s, "page", R"({"id":"p3"})"));
  EXPECT_TRUE(s.of("page")->filters_on("id"));
  db::Params params{std::string("org")};
  EXPECT_EQ(s.of("page")->sql("t", params), " AND t.\"id\" = ANY($2::text[])");
  auto nothing = parsed(R"({"page":{"id":null}})");
  EXPECT_FALSE(in(nothing, "page", R"({"id":"p1"})"));
  EXPECT_NE(refusal(R"({"page":{"id":"no spaces"}})").find("id"), std::string::npos);
}

TEST(Shape, BadShapesAreRefusedWithTheReasonSHAPE002) {
  EXPECT_NE(refusal("{").find("not JSON"), std::string::npos);
  EXPECT_NE(refusal("[]").find("an object of entity types"), std::string::npos);
  EXPECT_NE(refusal("{}").find("an object of entity types"), std::string::npos);
  EXPECT_NE(refusal(R"({"task":{}})").find("no entity type 'task'"), std::string::npos);
  EXPECT_NE(refusal(R"({"page":[]})").find("field"), std::string::npos);
  EXPECT_NE(refusal(R"({"page":{"colour":"red"}})").find("no field 'colour'"), std::string::npos);
  EXPECT_NE(refusal(R"({"page":{"createdAt":"2026-01-01T00:00:00Z"}})").find("cannot be filtered"),
            std::string::npos);
  EXPECT_NE(refusal(R"({"page":{"status":"gone"}})").find("must be one of"), std::string::npos);
  EXPECT_NE(refusal(R"({"attachment":{"size":"3"}})").find("integer"), std::string::npos);
  EXPECT_NE(refusal(R"({"attachment":{"public":1}})").find("true or false"), std::string::npos);
  EXPECT_NE(refusal(R"({"page":{"status":[]}})").find("empty list"), std::string::npos);
  EXPECT_NE(refusal(R"({"page":{"status":["published",null]}})").find("scalars"),
            std::string::npos);
  EXPECT_NE(refusal(R"({"page":{"status":{"eq":"published"}}})").find("scalars"),
            std::string::npos);
  EXPECT_NE(refusal(R"({"page":{"parentId":"no spaces"}})").find("parentId"), std::string::npos);
  std::string many = R"({"page":{"name":[)";
  for (int i = 0; i <= 100; ++i) many += (i ? "," : "") + std::string("\"n\"");
  EXPECT_NE(refusal(many + "]}}").find("more than 100"), std::string::npos);
  EXPECT_NE(refusal(R"({"page":{"name":")" + std::string(5000, 'x') + R"("}})").find("4096 bytes"),
            std::string::npos);
  EXPECT_NE(refusal(R"({"page":{"name":[[["deep"]]]}})"), "accepted");
}

TEST(Shape, TheListSqlBindsEveryValueAsAParameterSHAPE004) {
  auto s = parsed(R"({"page":{"name":["x'; --","a\"b"],"parentId":null,"status":"archived"}})");
  db::Params params{std::string("org"), std::nullopt};
  auto sql = s.of("page")->sql("t", params);
  EXPECT_EQ(
      sql,
      " AND t.\"name\" = ANY($3::text[]) AND t.\"parent_id\" IS NULL AND t.\"status\" = $4::text");
  ASSERT_EQ(params.size(), 4u);
  EXPECT_EQ(*params[2], R"({"x'; --","a\"b"})");
  EXPECT_EQ(*params[3], "archived");  // one value: plain equality, which an index orders
}

TEST(Shape, AnArrayIsTheUnionOfItsObjectsSHAPE005) {
  auto s =
      parsed(R"([{"page":{"status":"published"}},{"page":{"parentId":"p1"},"attachment":{}}])");
  ASSERT_EQ(s.types.size(), 2u);
  EXPECT_TRUE(in(s, "page", R"({"status":"published","parentId":"p9"})"));
  EXPECT_TRUE(in(s, "page", R"({"status":"archived","parentId":"p1"})"));
  EXPECT_FALSE(in(s, "page", R"({"status":"archived","parentId":"p9"})"));
  EXPECT_TRUE(in(s, "attachment", R"({"size":1})"));
  EXPECT_TRUE(s.of("page")->filters_on("parentId"));
  db::Params params{std::string("org"), std::nullopt};
  EXPECT_EQ(s.of("page")->sql("t", params),
            " AND ((t.\"status\" = $3::text) OR (t.\"parent_id\" = $4::text))");
  // One object taking the whole type makes the union the whole type.
  auto whole = parsed(R"([{"page":{"status":"published"}},{"page":{}}])");
  EXPECT_TRUE(in(whole, "page", R"({"status":"archived"})"));
  EXPECT_EQ(whole.of("page")->sql("t", params), "");
  EXPECT_NE(refusal(R"([{"page":{}},7])").find("an object of entity types"), std::string::npos);
  std::string wide = "[";
  for (int i = 0; i <= 32; ++i) wide += (i ? "," : "") + std::string(R"({"page":{}})");
  EXPECT_NE(refusal(wide + "]").find("at most 32 objects"), std::string::npos);
  // Values in all are bounded too (what one stream costs the routing index).
  std::string values = "[";
  for (int o = 0; o < 3; ++o) {
    values += (o ? R"(,{"page":{"displayOrder":[)" : R"({"page":{"displayOrder":[)");
    for (int i = 0; i < 90; ++i) values += (i ? "," : "") + std::to_string(i);
    values += "]}}";
  }
  EXPECT_NE(refusal(values + "]").find("at most 256 values"), std::string::npos);
}

}  // namespace
}  // namespace syncline::entities
