// Partial subscriptions (DESIGN §16, SHAPE-001..010): a `shape` is a JSON object, entity type →
// field → value (equality), array (IN) or null (IS NULL); `{}` is every entity of the type and
// types not named are not sent. A JSON array of such objects is their union (what a client
// sends for several views, or a leader for its followers): an entity is in it when it is in any.
// parse_shape checks it against the registry: ≤ 4 KiB of JSON, ≤ 32 objects, types and fields
// declared (and `id`, the key: a set of entities), fields filterable (text, enum, id, ref, integer,
// number, boolean: kinds whose equality is the same in SQL and in JSON), values of the field's kind
// (≤ 100 per IN, ≤ 256 in all: what a stream costs the routing index); every refusal is 400
// INVALID_SHAPE with the reason. Pure; any thread.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "db/connection.h"
#include "entities/registry.h"

namespace syncline::entities {

inline constexpr std::size_t kMaxShapeBytes = 4096;
inline constexpr std::size_t kMaxShapeValues = 100;       // per IN list
inline constexpr std::size_t kMaxShapeTotalValues = 256;  // in the whole shape
inline constexpr std::size_t kMaxShapeUnion = 32;         // objects in a union

struct ShapeCondition {
  const Field* field = nullptr;
  bool is_null = false;                    // IS NULL (values empty)
  std::vector<boost::json::value> values;  // equality (one) or IN (several), as the JSON gave
  std::vector<std::string> params;         // the same values as text-format SQL parameters
};

// One object's filter of a type: all its conditions hold (none: every entity of the type).
using ShapeAlternative = std::vector<ShapeCondition>;

struct TypeShape {
  const EntityType* type = nullptr;
  // Any of them (a union names a type in several objects); one empty alternative when any
  // object takes the whole type.
  std::vector<ShapeAlternative> alternatives;

  // Whether an entity with this data (the wire form: json field names) is in the shape.
  bool matches(const boost::json::object& data) const;
  // " AND …" over `alias`'s columns; the values are appended to `params` ($n follow them).
  std::string sql(const std::string& alias, db::Params& params) const;
  // Whether `field` (json name) decides membership: a change of it may move an entity in or out.
  bool filters_on(std::string_view field) const;
};

struct Shape {
  std::vector<TypeShape> types;                      // each type once, in first-named order
  const TypeShape* of(std::string_view type) const;  // nullptr: the type is not in the shape
};

Result<Shape> parse_shape(std::string_view text);
// The `shape` query parameter of /live and the list endpoints: none when absent.
Result<std::optional<Shape>> parse_shape_param(const std::optional<std::string>& text);

}  // namespace syncline::entities
