#include "common/json_input.h"

#include <algorithm>

#include "common/strings.h"

namespace syncline {

namespace json = boost::json;

Result<void> reject_unknown(const json::object& obj,
                            std::initializer_list<std::string_view> allowed,
                            std::string_view where) {
  for (const auto& kv : obj) {
    if (std::find(allowed.begin(), allowed.end(), kv.key()) == allowed.end())
      return bad_request("UNKNOWN_FIELD",
                         "unknown field '" + std::string(kv.key()) + "' in " + std::string(where));
  }
  return {};
}

Result<std::string> checked_string(const json::value& v, std::string_view key, std::size_t min_len,
                                   std::size_t max_len) {
  if (!v.is_string())
    return bad_request("INVALID_FIELD", "'" + std::string(key) + "' must be a string");
  std::string_view s = v.as_string();
  if (!is_valid_text(s))
    return bad_request("INVALID_FIELD",
                       "'" + std::string(key) + "' must be UTF-8 text without NUL");
  auto n = utf8_length(s);
  if (n < min_len || n > max_len)
    return bad_request("INVALID_FIELD", "'" + std::string(key) + "' must be " +
                                            std::to_string(min_len) + ".." +
                                            std::to_string(max_len) + " characters");
  return std::string(s);
}

Result<std::string> required_string(const json::object& obj, std::string_view key,
                                    std::size_t min_len, std::size_t max_len) {
  auto it = obj.find(key);
  if (it == obj.end() || it->value().is_null())
    return bad_request("MISSING_FIELD", "'" + std::string(key) + "' is required");
  return checked_string(it->value(), key, min_len, max_len);
}

Result<std::optional<std::string>> optional_string(const json::object& obj, std::string_view key,
                                                   std::size_t max_len) {
  auto it = obj.find(key);
  if (it == obj.end() || it->value().is_null()) return std::optional<std::string>{};
  auto s = checked_string(it->value(), key, 0, max_len);
  if (!s) return s.error();
  return std::optional<std::string>(std::move(*s));
}

}  // namespace syncline
