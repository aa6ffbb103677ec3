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
// The select list of a row whose row_to_json() is the entity as one line of a snapshot:
// {"entityType","data","fieldTx","tx"} (row_to_json of a sub-row: cheaper than
// json_build_object, about as fast as Postgres turns a table row into JSON at all).
std::string line_columns(const EntityType& type, const std::string& alias);
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
struct ListQuery {
  std::size_t limit = kPageItems;
  std::optional<std::string> cursor;  // the opaque value of a previous page
  const TypeShape* shape = nullptr;   // only the entities in it (SHAPE-004)
  std::optional<std::string> owner;   // only the rows it owns (a read grant of `own`)
};
// Ordered by the key in its column's own collation, so the (org, key) index serves each page
// (DATA-SCALE-001: O(page), not O(org)). At most min(limit, kPageItems) items and kPageBytes
// of them; `next_cursor` is set when more follow. A cursor this server did not issue is 400
// INVALID_CURSOR.
Result<Page> list_entities(db::Connection& c, const EntityType& type, const std::string& org_id,
                           const ListQuery& q);

}  // namespace syncline::entities
