#include "entities/shape.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>

#include "common/json_parse.h"
#include "db/array.h"
#include "db/sql.h"
#include "entities/values.h"

namespace syncline::entities {

namespace json = boost::json;

namespace {
Error invalid(const std::string& why) {
  return bad_request("INVALID_SHAPE", "shape: " + why);
}

// Equality of a stored value and a filter value as SQL would see it: numbers by value
// (integer 3 equals 3.0), everything else as JSON.
bool same(const json::value& a, const json::value& b) {
  if (a.is_number() && b.is_number()) return a.to_number<double>() == b.to_number<double>();
  return a == b;
}

Result<ShapeCondition> condition(const EntityType& t, std::string_view name, const json::value& v) {
  const Field* f = name == "id" ? &t.key : t.field(name);
  if (!f) return invalid("'" + t.name + "' has no field '" + std::string(name) + "'");
  if (!is_filterable(f->kind))
    return invalid("'" + t.name + "." + f->json + "' (" + kind_name(f->kind) +
                   ") cannot be filtered on");
  ShapeCondition c{f, v.is_null(), {}, {}};
  if (c.is_null) return c;
  const bool in = v.is_array();
  if (in && v.as_array().empty()) return invalid("'" + t.name + "." + f->json + "': empty list");
  if (in && v.as_array().size() > kMaxShapeValues)
    return invalid("'" + t.name + "." + f->json + "': more than " +
                   std::to_string(kMaxShapeValues) + " values");
  for (const auto& item : in ? v.as_array() : json::array{v}) {
    if (item.is_null() || item.is_array() || item.is_object())
      return invalid("'" + t.name + "." + f->json + "': values are scalars (null alone)");
    auto p = value_param(*f, item);
    if (!p) return invalid(p.error().message);
    c.values.push_back(item);
    c.params.push_back(**p);
  }
  return c;
}

bool holds(const ShapeAlternative& conditions, const json::object& data) {
  for (const auto& c : conditions) {
    const auto* v = data.if_contains(c.field->json);
    const bool null = !v || v->is_null();
    if (c.is_null) {
      if (!null) return false;
      continue;
    }
    if (null) return false;
    bool any = false;
    for (const auto& want : c.values) any = any || same(*v, want);
    if (!any) return false;
  }
  return true;
}

std::string sql_of(const ShapeAlternative& conditions, const std::string& alias,
                   db::Params& params) {
  std::string out;
  for (const auto& c : conditions) {
    const std::string col = alias + "." + db::ident(c.field->column);
    out += out.empty() ? "" : " AND ";
    if (c.is_null) {
      out += col + " IS NULL";
      continue;
    }
    if (c.params.size() == 1) {  // plain equality: an (org, field, key) index serves the order
      params.push_back(c.params.front());
      out += col + " = $" + std::to_string(params.size()) + "::" + c.field->param_type();
      continue;
    }
    std::vector<std::optional<std::string>> items(c.params.begin(), c.params.end());
    params.push_back(db::array_literal(items));
    out += col + " = ANY($" + std::to_string(params.size()) + "::" + c.field->param_type() + "[])";
  }
  return out;
}
}  // namespace

bool TypeShape::matches(const json::object& data) const {
  for (const auto& a : alternatives)
    if (holds(a, data)) return true;
  return false;
}

std::string TypeShape::sql(const std::string& alias, db::Params& params) const {
  std::string any;
  for (const auto& a : alternatives) {
    if (a.empty()) return "";  // the whole type
    any += (any.empty() ? "(" : " OR (") + sql_of(a, alias, params) + ")";
  }
  return alternatives.size() == 1 ? " AND " + any.substr(1, any.size() - 2) : " AND (" + any + ")";
}

bool TypeShape::filters_on(std::string_view field) const {
  for (const auto& a : alternatives)
    for (const auto& c : a)
      if (c.field->json == field) return true;
  return false;
}

const TypeShape* Shape::of(std::string_view type) const {
  for (const auto& t : types)
    if (t.type->name == type) return &t;
  return nullptr;
}

Result<std::optional<Shape>> parse_shape_param(const std::optional<std::string>& text) {
  if (!text) return std::optional<Shape>{};
  auto parsed = parse_shape(*text);
  if (!parsed) return parsed.error();
  return std::optional<Shape>(std::move(*parsed));
}

Result<Shape> parse_shape(std::string_view text) {
  if (text.size() > kMaxShapeBytes)
    return invalid("at most " + std::to_string(kMaxShapeBytes) + " bytes of JSON");
  boost::system::error_code ec;
  json::parse_options opt;
  opt.max_depth = 5;  // [ { type: { field: [ value ] } } ]
  auto v = parse_json(text, ec, opt);
  if (ec) return invalid("not JSON (" + ec.message() + ")");
  const json::array objects = v.is_array() ? v.as_array() : json::array{v};
  const char* what = "an object of entity types, e.g. {\"page\":{}}, or an array of them";
  if (objects.empty()) return invalid(what);
  if (objects.size() > kMaxShapeUnion)
    return invalid("a union of at most " + std::to_string(kMaxShapeUnion) + " objects");
  Shape s;
  std::size_t values = 0;
  for (const auto& object : objects) {
    if (!object.is_object() || object.as_object().empty()) return invalid(what);
    std::vector<const EntityType*> named;
    for (const auto& [type_name, filters] : object.as_object()) {
      const EntityType* t = find_by_name(type_name);
      if (!t) return invalid("no entity type '" + std::string(type_name) + "'");
      if (std::find(named.begin(), named.end(), t) != named.end())
        return invalid("'" + t->name + "' named twice");
      named.push_back(t);
      if (!filters.is_object())
        return invalid("'" + t->name + "': an object of field → value, array or null");
      ShapeAlternative alt;
      for (const auto& [field, value] : filters.as_object()) {
        auto c = condition(*t, field, value);
        if (!c) return c.error();
        values += std::max<std::size_t>(c->values.size(), 1);
        alt.push_back(std::move(*c));
      }
      if (values > kMaxShapeTotalValues)
        return invalid("at most " + std::to_string(kMaxShapeTotalValues) + " values in all");
      auto it = std::find_if(s.types.begin(), s.types.end(),
                             [&](const TypeShape& ts) { return ts.type == t; });
      if (it == s.types.end()) it = s.types.insert(s.types.end(), TypeShape{t, {}});
      it->alternatives.push_back(std::move(alt));
    }
  }
  // A type some object takes whole is whole: its other alternatives add nothing.
  for (auto& ts : s.types)
    if (std::any_of(ts.alternatives.begin(), ts.alternatives.end(),
                    [](const auto& a) { return a.empty(); }))
      ts.alternatives.assign(1, {});
  return s;
}

}  // namespace syncline::entities
