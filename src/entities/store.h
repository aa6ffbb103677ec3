// Entity reads and the wire representation {"data", "fieldTx", "tx"} (DESIGN §4): `fieldTx`
// and `tx` never appear inside `data`. SQL is generated from the registry.
#pragma once

#include <boost/json/object.hpp>
#include <optional>
#include <string>

#include "common/error.h"
#include "db/connection.h"
#include "entities/registry.h"
#include "entities/shape.h"

namespace syncline::entities {

// The `data` object of a row of the table aliased `alias`, as one SQL json expression.
std::string data_object(const EntityType& type, const std::string& alias);
// Columns to select for stored_from(): data json, field_tx, tx, created_by, of the table
// aliased `alias`.
std::string representation_columns(const EntityType& type, const std::string& alias = "t");

// SEC-030..033: a page (list, catch-up) holds at most this many bytes of entity JSON, at least
// one item, so its memory is bounded whatever the entities contain; the rest follows by cursor.
inline constexpr std::size_t kPageBytes = 4u << 20;
// ... and at most this many items, whatever `limit` asked for (CON-4).
inline constexpr std::size_t kPageItems = 100;

struct Stored {
  boost::json::object representation;  // {data, fieldTx, tx}
  std::optional<std::string> created_by;
};
Stored stored_from(const db::Rows& r, int row, int first_col = 0);

// The entity in this org, or nullopt. `lock` adds FOR UPDATE (inside a transaction).
std::optional<Stored> fetch_entity(db::Connection& c, const EntityType& type,
                                   const std::string& org_id, const std::string& id,
                                   bool lock = false);

struct Page {
  boost::json::array items;
  std::optional<std::string> next_cursor;
};
// Ordered by id; `cursor` is the opaque value of a previous page (400 INVALID_CURSOR). At most
// min(limit, kPageItems) items and kPageBytes of them; `next_cursor` is set when more follow.
// With a shape, only the entities in it (SHAPE-004).
Result<Page> list_entities(db::Connection& c, const EntityType& type, const std::string& org_id,
                           std::size_t limit, const std::optional<std::string>& cursor,
                           const TypeShape* shape = nullptr);

}  // namespace syncline::entities
