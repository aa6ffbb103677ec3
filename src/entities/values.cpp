#include "entities/values.h"
#include "common/json_text.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/json/serialize.hpp>
#include <cmath>

#include "common/json_input.h"
#include "common/strings.h"

namespace syncline::entities {

namespace json = boost::json;

namespace {
Error invalid(const Field& f, const std::string& what) {
  return bad_request("INVALID_FIELD", "'" + f.json + "' " + what);
}

bool digits(std::string_view s, std::size_t at, std::size_t n, int lo, int hi) {
  if (at + n > s.size()) return false;
  int v = 0;
  for (std::size_t i = at; i < at + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  return v >= lo && v <= hi;
}

// RFC 3339 date-time: YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM), years 0001..9999, days that
// exist in their month. Checked here so that Postgres never sees a value it would refuse.
bool is_rfc3339(std::string_view s) {
  if (s.size() < 20 || s.size() > 40) return false;
  if (!digits(s, 0, 4, 1, 9999) || s[4] != '-' || !digits(s, 5, 2, 1, 12) || s[7] != '-' ||
      !digits(s, 8, 2, 1, 31) || (s[10] != 'T' && s[10] != 't') || !digits(s, 11, 2, 0, 23) ||
      s[13] != ':' || !digits(s, 14, 2, 0, 59) || s[16] != ':' || !digits(s, 17, 2, 0, 59))
    return false;
  int year = std::stoi(std::string(s.substr(0, 4))), month = std::stoi(std::string(s.substr(5, 2)));
  int day = std::stoi(std::string(s.substr(8, 2)));
  static constexpr int kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  if (day > kDays[month - 1] || (month == 2 && day == 29 && !leap)) return false;
  std::size_t i = 19;
  if (i < s.size() && s[i] == '.') {
    std::size_t start = ++i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    if (i == start || i - start > 9) return false;
  }
  if (i < s.size() && (s[i] == 'Z' || s[i] == 'z')) return i + 1 == s.size();
  return i + 6 == s.size() && (s[i] == '+' || s[i] == '-') && digits(s, i + 1, 2, 0, 23) &&
         s[i + 3] == ':' && digits(s, i + 4, 2, 0, 59);
}

// jsonb holds no NUL character (Postgres refuses \u0000): every string and key must be text.
bool json_text_only(const json::value& v) {
  if (v.is_string()) return is_valid_text(v.as_string());
  if (v.is_array()) return std::all_of(v.as_array().begin(), v.as_array().end(), json_text_only);
  if (v.is_object())
    return std::all_of(v.as_object().begin(), v.as_object().end(), [](const auto& kv) {
      return is_valid_text(kv.key()) && json_text_only(kv.value());
    });
  return true;
}

Result<db::Param> in_bounds(const Field& f, double d, std::string text) {
  if (f.min && d < *f.min) return invalid(f, fmt::format("must be at least {}", *f.min));
  if (f.max && d > *f.max) return invalid(f, fmt::format("must be at most {}", *f.max));
  return db::Param(std::move(text));
}
}  // namespace

Result<db::Param> to_param(const Field& f, const json::value& v) {
  if (!f.writable()) return bad_request("READ_ONLY_FIELD", "'" + f.json + "' is set by the server");
  return value_param(f, v);
}

Result<db::Param> value_param(const Field& f, const json::value& v) {
  if (v.is_null()) {
    if (!f.nullable) return invalid(f, "must not be null");
    return db::Param{};
  }
  switch (f.kind) {
    case FieldKind::kText:
    case FieldKind::kEnum:
    case FieldKind::kId:
    case FieldKind::kRef: {
      auto s =
          checked_string(v, f.json, f.kind == FieldKind::kText && f.nullable ? 0 : 1, f.max_len);
      if (!s) return s.error();
      if ((f.kind == FieldKind::kId || f.kind == FieldKind::kRef) && !is_valid_id(*s))
        return invalid(f, "must be 1..64 of [A-Za-z0-9_-]");
      if (f.kind == FieldKind::kEnum &&
          std::find(f.values.begin(), f.values.end(), *s) == f.values.end())
        return invalid(f, "must be one of: " + fmt::format("{}", fmt::join(f.values, ", ")));
      return db::Param(std::move(*s));
    }
    case FieldKind::kNumber: {
      if (!v.is_number()) return invalid(f, "must be a number");
      double d = v.to_number<double>();
      if (!std::isfinite(d)) return invalid(f, "must be finite");
      return in_bounds(f, d, fmt::format("{}", d));  // shortest round-trip representation
    }
    case FieldKind::kInteger: {
      std::int64_t n = 0;
      if (v.is_int64()) {
        n = v.as_int64();
      } else if (v.is_uint64() && v.as_uint64() <= static_cast<std::uint64_t>(INT64_MAX)) {
        n = static_cast<std::int64_t>(v.as_uint64());
      } else {
        return invalid(f, "must be an integer");
      }
      return in_bounds(f, static_cast<double>(n), std::to_string(n));
    }
    case FieldKind::kBoolean:
      if (!v.is_bool()) return invalid(f, "must be true or false");
      return db::Param(v.as_bool() ? "true" : "false");
    case FieldKind::kTimestamp: {
      if (!v.is_string() || !is_rfc3339(v.as_string()))
        return invalid(f, "must be an RFC 3339 date-time (2026-12-01T09:30:00Z)");
      return db::Param(std::string(v.as_string()));
    }
    case FieldKind::kJson: {
      if (!json_text_only(v)) return invalid(f, "must not contain NUL characters");
      auto text = json_text(v);
      if (text.size() > f.max_len)
        return invalid(f, fmt::format("must be at most {} bytes of JSON", f.max_len));
      return db::Param(std::move(text));
    }
  }
  return invalid(f, "cannot be written");
}

}  // namespace syncline::entities
