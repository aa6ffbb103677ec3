// Partial subscriptions (DESIGN §16, SHAPE-001..010): a `shape` is a JSON object, entity type →
// field → value (equality), array (IN) or null (IS NULL); `{}` is every entity of the type and
// types not named are not sent. parse_shape checks it against the registry: ≤ 4 KiB of JSON,
// types and fields declared, fields filterable (text, enum, id, ref, integer, number, boolean:
// kinds whose equality is the same in SQL and in JSON), values of the field's kind (≤ 100 per
// IN); every refusal is 400 INVALID_SHAPE with the reason. Pure; any thread.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "db/connection.h"
#include "entities/registry.h"

namespace syncline::entities {

inline constexpr std::size_t kMaxShapeBytes = 4096;
inline constexpr std::size_t kMaxShapeValues = 100;  // per IN list

struct ShapeCondition {
  const Field* field = nullptr;
  bool is_null = false;                    // IS NULL (values empty)
  std::vector<boost::json::value> values;  // equality (one) or IN (several), as the JSON gave
  std::vector<std::string> params;         // the same values as text-format SQL parameters
};

struct TypeShape {
  const EntityType* type = nullptr;
  std::vector<ShapeCondition> conditions;  // all must hold; none: every entity of the type

  // Whether an entity with this data (the wire form: json field names) is in the shape.
  bool matches(const boost::json::object& data) const;
  // " AND …" over `alias`'s columns; the values are appended to `params` ($n follow them).
  std::string sql(const std::string& alias, db::Params& params) const;
  // Whether `field` (json name) decides membership: a change of it may move an entity in or out.
  bool filters_on(std::string_view field) const;
};

struct Shape {
  std::vector<TypeShape> types;                      // in the order the JSON named them
  const TypeShape* of(std::string_view type) const;  // nullptr: the type is not in the shape
};

Result<Shape> parse_shape(std::string_view text);

}  // namespace syncline::entities
