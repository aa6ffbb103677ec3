#include "entities/values.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "common/json_input.h"
#include "common/strings.h"

namespace syncline::entities {

namespace json = boost::json;

namespace {
Error invalid(const Field& f, const std::string& what) {
  return bad_request("INVALID_FIELD", "'" + f.json + "' " + what);
}
}  // namespace

Result<db::Param> to_param(const Field& f, const json::value& v) {
  if (!f.writable) return bad_request("READ_ONLY_FIELD", "'" + f.json + "' is set by the server");
  if (v.is_null()) {
    if (!f.nullable) return invalid(f, "must not be null");
    return db::Param{};
  }
  switch (f.kind) {
    case FieldKind::kText:
    case FieldKind::kEnum:
    case FieldKind::kId: {
      auto s =
          checked_string(v, f.json, f.kind == FieldKind::kText && f.nullable ? 0 : 1, f.max_len);
      if (!s) return s.error();
      if (f.kind == FieldKind::kId && !is_valid_id(*s))
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
      return db::Param(fmt::format("{}", d));  // shortest round-trip representation
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
      if (n < 0) return invalid(f, "must not be negative");
      return db::Param(std::to_string(n));
    }
    case FieldKind::kBoolean:
      if (!v.is_bool()) return invalid(f, "must be true or false");
      return db::Param(v.as_bool() ? "true" : "false");
    case FieldKind::kTimestamp:
      break;
  }
  return invalid(f, "cannot be written");
}

}  // namespace syncline::entities
