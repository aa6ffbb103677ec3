#include "syncline/shape.h"
#include "common/json_text.h"

#include <boost/json/serialize.hpp>
#include <boost/url/encode.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>

namespace syncline::client {

namespace json = boost::json;

namespace {
constexpr std::size_t kMaxShapeBytes = 4096;  // the server's bounds (DESIGN §16)
constexpr std::size_t kMaxShapeUnion = 32;

bool same(const json::value& a, const json::value& b) {
  if (a.is_number() && b.is_number()) return a.to_number<double>() == b.to_number<double>();
  return a == b;
}
}  // namespace

bool in_shape(const Shape& shape, std::string_view type, const json::object& data) {
  const auto* filters = shape.if_contains(type);
  if (!filters || !filters->is_object()) return false;
  for (const auto& [field, want] : filters->as_object()) {
    const auto* v = data.if_contains(field);
    const bool null = !v || v->is_null();
    if (want.is_null()) {
      if (!null) return false;
      continue;
    }
    if (null) return false;
    bool any = false;
    if (want.is_array()) {
      for (const auto& w : want.as_array()) any = any || same(*v, w);
    } else {
      any = same(*v, want);
    }
    if (!any) return false;
  }
  return true;
}

bool in_any(const std::vector<Shape>& shapes, std::string_view type, const json::object& data) {
  if (shapes.empty()) return true;
  for (const auto& s : shapes)
    if (in_shape(s, type, data)) return true;
  return false;
}

std::optional<std::string> union_text(const std::vector<Shape>& shapes) {
  if (shapes.empty() || shapes.size() > kMaxShapeUnion) return std::nullopt;
  std::string text;
  if (shapes.size() == 1) {
    text = json_text(shapes[0]);
  } else {
    json::array all(shapes.begin(), shapes.end());
    text = json_text(all);
  }
  if (text.size() > kMaxShapeBytes) return std::nullopt;
  return text;
}

std::string query_encode(std::string_view text) {
  return boost::urls::encode(text, boost::urls::unreserved_chars);
}

}  // namespace syncline::client
