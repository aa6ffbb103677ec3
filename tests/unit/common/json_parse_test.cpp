// ADOPT-007: a number read, written back as JavaScript writes it and read again is the same
// number, whatever its digits — the reader rounds correctly where Boost 1.81's own does not.
#include "common/json_parse.h"

#include <gtest/gtest.h>

#include <bit>
#include <cstdint>
#include <random>

#include "common/json_text.h"

namespace syncline {
namespace {

namespace json = boost::json;

double read(const std::string& text) {
  boost::system::error_code ec;
  auto v = parse_json(text, ec);
  EXPECT_FALSE(ec) << text;
  return v.is_double() ? v.as_double() : v.to_number<double>();
}

TEST(JsonParse, ShortestTextReadsBackToTheSameDoubleADOPT007) {
  std::mt19937_64 rng(20261205);
  for (int i = 0; i < 200000; ++i) {
    double d = std::bit_cast<double>(rng());
    if (!std::isfinite(d)) continue;
    std::string text;
    append_js_number(text, d);
    ASSERT_EQ(std::bit_cast<std::uint64_t>(read(text)), std::bit_cast<std::uint64_t>(d)) << text;
  }
}

TEST(JsonParse, LongMantissasRoundCorrectlyADOPT007) {
  // Past uint64 and past 19 significant digits: the value nearest the decimal, as strtod gives.
  for (const char* text : {"91033333333333333333333333333333333333333330",
                           "0.3000000000000000444089209850062616169452667236328125",
                           "123456789012345678901234567890e-10", "-9.999999999999999999999e300"}) {
    EXPECT_EQ(read(text), std::strtod(text, nullptr)) << text;
  }
}

TEST(JsonParse, KeepsBoostsGrammarAndLimitsADOPT007) {
  boost::system::error_code ec;
  EXPECT_TRUE(parse_json("{\"a\":[1,2.5,\"x\",null,true]}", ec).is_object());
  EXPECT_FALSE(ec);
  for (const char* bad : {"{", "[1,]", "{} x", "01", "\"\\u12\"", ""}) {
    parse_json(bad, ec);
    EXPECT_TRUE(ec) << bad;
  }
  json::parse_options shallow;
  shallow.max_depth = 2;
  parse_json("[[[1]]]", ec, shallow);
  EXPECT_TRUE(ec);
  auto v = parse_json("{\"n\":-7,\"u\":18446744073709551615,\"s\":\"\\u00e9\"}", ec);
  ASSERT_FALSE(ec);
  EXPECT_EQ(v.at("n").as_int64(), -7);
  EXPECT_EQ(v.at("u").as_uint64(), 18446744073709551615ull);
  EXPECT_EQ(v.at("s").as_string(), "\xc3\xa9");
  EXPECT_THROW(parse_json("nope"), boost::system::system_error);
}

}  // namespace
}  // namespace syncline
