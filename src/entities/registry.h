// Entity registry: every synced type is declared once (table, columns, writable fields,
// permission policy). Routes, SQL, validation, OpenAPI tests and later CDC/streams all read
// it, so a new synced type is one declaration plus a migration.
#pragma once

#include <array>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace syncline::entities {

enum class FieldKind { kText, kEnum, kId, kNumber, kInteger, kBoolean, kTimestamp };

struct Field {
  std::string json;    // camelCase name on the wire
  std::string column;  // snake_case column
  FieldKind kind;
  bool writable = true;   // false: set by the server (createdAt, createdBy, …)
  bool required = false;  // must be given on create
  bool nullable = true;
  std::size_t max_len = 0;          // text/enum/id: max code points
  std::vector<std::string> values;  // enum values
  std::string sql_default;          // column default when a create omits the field
  std::string ref;                  // kId only: names an entity of this type in the same org
  const char* sql_type() const;
};

// What a role may do: nothing, only to rows it created (`own`), or to all rows.
enum class Grant { kNone, kOwn, kAll };
enum class Op { kCreate = 0, kRead = 1, kUpdate = 2, kDelete = 3 };
struct Policy {
  std::array<Grant, 4> member;
  std::array<Grant, 4> admin;
};

struct EntityType {
  std::string name;    // "page": entityType on the wire
  std::string plural;  // "pages": route segment
  std::string table;
  std::vector<Field> fields;  // every data field except id and organizationId
  Policy policy;

  const Field* field(std::string_view json_name) const;
};

const std::vector<EntityType>& entity_types();
const EntityType* find_by_plural(std::string_view plural);
const EntityType* find_by_name(std::string_view name);

}  // namespace syncline::entities
