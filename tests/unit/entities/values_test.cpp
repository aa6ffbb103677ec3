// Field values from JSON to SQL parameters: types, bounds, enums, nulls.
#include "entities/values.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

namespace syncline::entities {

namespace {
Result<db::Param> param(const char* type, const char* field, const char* json_value) {
  return to_param(*find_by_name(type)->field(field), boost::json::parse(json_value));
}
}  // namespace

TEST(Values, ConvertsEachKindToTextSCHEMA010) {
  EXPECT_EQ(*param("page", "name", "\"Hello ✓\"").value(), "Hello ✓");
  EXPECT_EQ(*param("page", "displayOrder", "2.5").value(), "2.5");
  EXPECT_EQ(*param("page", "displayOrder", "3").value(), "3");
  EXPECT_EQ(*param("attachment", "size", "1234567890123").value(), "1234567890123");
  EXPECT_EQ(*param("attachment", "public", "true").value(), "true");
  EXPECT_EQ(*param("page", "status", "\"archived\"").value(), "archived");
  EXPECT_FALSE(param("page", "description", "null").value().has_value());
}

TEST(Values, RejectsWrongTypesAndBoundsSCHEMA011) {
  const char* bad[][3] = {
      {"page", "name", "1"},
      {"page", "name", "\"\""},
      {"page", "name", "null"},
      {"page", "status", "\"draft\""},
      {"page", "status", "null"},
      {"page", "parentId", "\"has space\""},
      {"page", "displayOrder", "\"1\""},
      {"page", "displayOrder", "1e400"},
      {"attachment", "size", "-1"},
      {"attachment", "size", "1.5"},
      {"attachment", "size", "18446744073709551615"},
      {"attachment", "public", "1"},
  };
  for (const auto& b : bad) {
    boost::system::error_code ec;
    auto v = boost::json::parse(b[2], ec);
    if (ec) continue;  // not representable JSON for Boost (e.g. 1e400 is rejected upstream)
    auto r = to_param(*find_by_name(b[0])->field(b[1]), v);
    EXPECT_FALSE(r) << b[1] << "=" << b[2];
    if (!r) {
      EXPECT_EQ(r.error().code, "INVALID_FIELD");
    }
  }
  std::string long_name(256, 'x');
  EXPECT_FALSE(param("page", "name", ("\"" + long_name + "\"").c_str()));
  EXPECT_EQ(param("page", "createdBy", "\"u\"").error().code, "READ_ONLY_FIELD");
}

}  // namespace syncline::entities
