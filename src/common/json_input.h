// Strict readers for JSON request bodies: unknown members are rejected, types are exact,
// strings are valid UTF-8 without NUL and within length bounds (in code points). Every
// failure is a 400 whose code names the problem, so bad input never reaches SQL.
#pragma once

#include <boost/json/object.hpp>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include "common/error.h"

namespace syncline {

// 400 UNKNOWN_FIELD when obj has a member outside `allowed`.
Result<void> reject_unknown(const boost::json::object& obj,
                            std::initializer_list<std::string_view> allowed,
                            std::string_view where);

// A required string member (400 MISSING_FIELD / INVALID_FIELD).
Result<std::string> required_string(const boost::json::object& obj, std::string_view key,
                                    std::size_t min_len, std::size_t max_len);
// An optional string member; absent and null both give nullopt.
Result<std::optional<std::string>> optional_string(const boost::json::object& obj,
                                                   std::string_view key, std::size_t max_len);
// Validates a string value (UTF-8, no NUL, length in code points).
Result<std::string> checked_string(const boost::json::value& v, std::string_view key,
                                   std::size_t min_len, std::size_t max_len);

}  // namespace syncline
