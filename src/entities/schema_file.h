// The schema file (DESIGN §13, SCHEMA-001..010): YAML (yaml-cpp) declaring the synced types.
//   version: 1
//   types:
//     <name>:                    # entityType on the wire: [a-z][a-z0-9_]{0,31}
//       plural: <route segment>  # default <name>s
//       table: [schema.]table    # default public.<plural>
//       key: id                  # text column of client-generated ids (default id)
//       org: organization_id     # the column naming the organization (default organization_id)
//       owner: created_by        # optional; needed by `own` grants
//       fields:                  # JSON name -> {kind, column, bounds, default, required,
//         <name>: {kind: …}      #   server, merge, to}
//       grants: {member: {create|read|update|delete: all|own|none}, admin: {…}}
// Kinds: text (max, code points; default 10,000), enum (values), id, ref (to: a type; same-org
// reference), integer and number (min, max), boolean, timestamp (RFC 3339), json (max_bytes,
// default 16,384). `server: created_at|created_by|modified_at|modified_by` makes a field an
// audit field set by the server; `merge: manual` sends its conflicts to the user; `description`
// (≤ 500 characters) documents the field in the generated API document.
// Everything is checked: unknown keys, names, identifiers, kinds, bounds, defaults, duplicate
// routes/tables/columns, references to undeclared types, `own` without an owner. The first
// problem is reported with the file, line and reason. Pure: no database.
#pragma once

#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "entities/registry.h"

namespace syncline::entities {

struct SchemaError {
  std::string file;
  int line = 0;  // 1-based; 0 when the file could not be read at all
  std::string reason;
  std::string message() const;  // "FILE:LINE: reason"
};

std::variant<std::vector<EntityType>, SchemaError> parse_schema(std::string_view yaml,
                                                                const std::string& file_name);
std::variant<std::vector<EntityType>, SchemaError> load_schema_file(const std::string& path);

}  // namespace syncline::entities
