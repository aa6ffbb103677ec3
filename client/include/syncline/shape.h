// Shapes on the client (DESIGN §16): the parts of an organization a client shows. A shape is
// the server's JSON object, entity type → field → value, [values] (IN) or null (IS NULL); `{}`
// is every entity of the type and types not named are not in it. A set of shapes is their union.
#pragma once

#include <boost/json/object.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace syncline::client {

using Shape = boost::json::object;

// Whether an entity of `type` with `data` is in the shape, as the server decides it (numbers
// by value; a missing field is null).
bool in_shape(const Shape& shape, std::string_view type, const boost::json::object& data);
// In any of them; everything when there are none (the whole org).
bool in_any(const std::vector<Shape>& shapes, std::string_view type,
            const boost::json::object& data);
// The `shape` query value for a union, not yet percent-encoded: one object, or an array of
// them; nullopt when the server would refuse it (over 4 KiB or 32 objects): then the stream
// takes the whole org, which is a superset.
std::optional<std::string> union_text(const std::vector<Shape>& shapes);
// `text` percent-encoded for a query string (RFC 3986 unreserved characters kept).
std::string query_encode(std::string_view text);

}  // namespace syncline::client
