// ADOPT-007: numbers as JavaScript's JSON.stringify writes them.
#include "common/json_text.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <limits>

namespace syncline {
namespace {

namespace json = boost::json;

std::string js(double d) {
  std::string s;
  append_js_number(s, d);
  return s;
}

TEST(JsonText, NumbersAsJavaScriptPrintsThemADOPT007) {
  // Expected strings are what node prints for String(x).
  EXPECT_EQ(js(7000.25), "7000.25");
  EXPECT_EQ(js(5.0), "5");
  EXPECT_EQ(js(123.456), "123.456");
  EXPECT_EQ(js(-1234567.5), "-1234567.5");
  EXPECT_EQ(js(9007199254740993.0), "9007199254740992");
  EXPECT_EQ(js(-0.0), "0");
  EXPECT_EQ(js(0.1 + 0.2), "0.30000000000000004");
  EXPECT_EQ(js(1e15), "1000000000000000");
  EXPECT_EQ(js(1e20), "100000000000000000000");
  EXPECT_EQ(js(1.2345678901234568e20), "123456789012345680000");
  EXPECT_EQ(js(1e21), "1e+21");
  EXPECT_EQ(js(-2.5e22), "-2.5e+22");
  EXPECT_EQ(js(0.000001), "0.000001");
  EXPECT_EQ(js(-0.0000015), "-0.0000015");
  EXPECT_EQ(js(1.5e-7), "1.5e-7");
  EXPECT_EQ(js(5e-324), "5e-324");
  EXPECT_EQ(js(1.7976931348623157e308), "1.7976931348623157e+308");
  EXPECT_EQ(js(std::numeric_limits<double>::infinity()), "null");
  EXPECT_EQ(js(std::numeric_limits<double>::quiet_NaN()), "null");
}

TEST(JsonText, ValuesRoundTripAndMatchBoostForEverythingButNumbersADOPT007) {
  auto v = json::parse(
      R"({"a":7000.25,"b":[1,-2,18446744073709551615,true,null,"x\"\\\n\u0001é"],"c":{}})");
  EXPECT_EQ(json_text(v),
            R"({"a":7000.25,"b":[1,-2,18446744073709551615,true,null,"x\"\\\n\u0001é"],"c":{}})");
  EXPECT_EQ(json::parse(json_text(v)), v);
  EXPECT_EQ(json_text(json::value("tab\there")), json::serialize(json::value("tab\there")));
}

TEST(JsonText, RewritesExponentNumbersInPostgresTextOnlyADOPT007) {
  // float8 output as Postgres writes it inside row_to_json.
  EXPECT_EQ(js_numbers(R"({"a":1e+15,"b":1.5e-05,"c":-2e+21,"d":3})"),
            R"({"a":1000000000000000,"b":0.000015,"c":-2e+21,"d":3})");
  // Strings that look like numbers are data.
  EXPECT_EQ(js_numbers(R"({"1e+15":"2e+3","q":"\"1e5","n":[1E2]})"),
            R"({"1e+15":"2e+3","q":"\"1e5","n":[100]})");
  std::string plain = R"({"title":"sheep and eels","n":12.5})";
  EXPECT_EQ(js_numbers(plain), plain);
  // Out of double's range: left as it came.
  EXPECT_EQ(js_numbers("[1e400]"), "[1e400]");
}

}  // namespace
}  // namespace syncline
