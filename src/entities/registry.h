// Entity registry (DESIGN §13, SCHEMA-001..010): every synced type as the schema file declares
// it — table, key, org and owner columns, fields with kinds, bounds, defaults and server-set
// audit roles, and the grants. Routes, SQL, validation, CDC, catch-up and policy all read it.
// The registry is installed once at start-up (install_schema, from --schema FILE) before any
// other thread reads it; without that, the demo schema embedded from schema/demo.yaml is used.
// Read-only afterwards, so any thread may read it.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace syncline::entities {

enum class FieldKind { kText, kEnum, kId, kRef, kNumber, kInteger, kBoolean, kTimestamp, kJson };
const char* kind_name(FieldKind k);
// Kinds a shape may filter on (DESIGN §16): those whose equality is the same in SQL and in JSON
// (text, enum, id, ref, integer, number, boolean; not timestamps — one instant, many
// spellings — nor json).
bool is_filterable(FieldKind k);

// Columns the server sets itself (`server:` in the schema file); clients never write them.
enum class Audit { kNone, kCreatedAt, kCreatedBy, kModifiedAt, kModifiedBy };

struct Field {
  std::string json;    // name on the wire
  std::string column;  // column of the table
  FieldKind kind = FieldKind::kText;
  Audit audit = Audit::kNone;
  bool required = false;            // must be given on create
  bool nullable = true;             // false when required or with a default
  std::size_t max_len = 0;          // text/enum/id/ref: code points; json: bytes
  std::optional<double> min, max;   // number/integer bounds
  std::vector<std::string> values;  // enum values
  std::string sql_default;          // SQL literal used when a create omits the field
  std::string default_json;         // the same default as JSON text (GET /schema), or ""
  std::string ref;                  // kRef: the entity type it names (same org)
  bool merge_manual = false;        // conflicts go to the user (MERGE-003)
  // `merge: text` (DESIGN §21): a stale PATCH is merged three-way with the value its writer saw
  // (kept in field_history); what cannot be merged goes to the user, as for manual.
  bool merge_text = false;
  // Shapes filter on it (`index:`, default for refs): `schema apply` builds an index on
  // (org, column, key) so a shaped list page reads O(page) rows (DATA-SCALE-001).
  bool indexed = false;
  std::string description;  // for the generated API document; may be empty
  // The column's own type where statements must cast to it: a Postgres enum type, quoted and
  // qualified (`"public"."mood"`: no implicit cast from text). Empty: sql_type(). Learned from
  // the catalog at start-up (with_column_types in schema_db.h), never from the schema file.
  std::string column_type;
  bool writable() const { return audit == Audit::kNone; }
  const char* sql_type() const;
  // What a parameter of this field is cast to before it meets the column.
  std::string param_type() const { return column_type.empty() ? sql_type() : column_type; }
};

// What a role may do: nothing, only to rows it owns (`own`), or to all rows.
enum class Grant { kNone, kOwn, kAll };
enum class Op { kCreate = 0, kRead = 1, kUpdate = 2, kDelete = 3 };
struct Policy {
  std::array<Grant, 4> member{};
  std::array<Grant, 4> admin{};
};

struct EntityType {
  std::string name;    // "page": entityType on the wire
  std::string plural;  // "pages": route segment
  std::string schema = "public";
  std::string table_name;         // unqualified
  std::string table;              // schema.table, as the catalog and messages name it
  std::string sql_table;          // "schema"."table": every statement uses this (ADOPT-003)
  std::string key_column = "id";  // the entity id (text), client-generated
  std::string org_column = "organization_id";
  std::string owner_column;   // "" when the type has no owner (then no `own` grants)
  std::vector<Field> fields;  // every data field except id and organizationId
  // The key as a field (`id`, kind id): what a shape may filter on besides `fields` (a set of
  // entities by id: TanStack DB's on-demand windows). Set with key_column.
  Field key{"id", "id", FieldKind::kId};
  Policy policy;

  const Field* field(std::string_view json_name) const;
  const Field* audit(Audit role) const;  // the field with that role, if declared
};

const std::vector<EntityType>& entity_types();
const EntityType* find_by_plural(std::string_view plural);
const EntityType* find_by_name(std::string_view name);

// Start-up only, before any reader: the registry to serve (from the schema file).
void install_schema(std::vector<EntityType> types);
// The demo schema shipped in the repo (schema/demo.yaml), embedded in the binary.
std::string_view default_schema_text();

}  // namespace syncline::entities
