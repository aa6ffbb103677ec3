#include "entities/registry.h"

#include <optional>
#include <stdexcept>
#include <utility>

#include "common/assert.h"
#include "entities/schema_file.h"

namespace syncline::entities {
namespace schema_assets {
const std::vector<std::pair<std::string_view, std::string_view>>& embedded_files();
}

namespace {
std::optional<std::vector<EntityType>>& installed() {
  static std::optional<std::vector<EntityType>> types;
  return types;
}
}  // namespace

bool is_filterable(FieldKind k) {
  switch (k) {
    case FieldKind::kText:
    case FieldKind::kEnum:
    case FieldKind::kId:
    case FieldKind::kRef:
    case FieldKind::kInteger:
    case FieldKind::kNumber:
    case FieldKind::kBoolean:
      return true;
    case FieldKind::kTimestamp:
    case FieldKind::kJson:
      return false;
  }
  return false;
}

const char* kind_name(FieldKind k) {
  switch (k) {
    case FieldKind::kText:
      return "text";
    case FieldKind::kEnum:
      return "enum";
    case FieldKind::kId:
      return "id";
    case FieldKind::kRef:
      return "ref";
    case FieldKind::kNumber:
      return "number";
    case FieldKind::kInteger:
      return "integer";
    case FieldKind::kBoolean:
      return "boolean";
    case FieldKind::kTimestamp:
      return "timestamp";
    case FieldKind::kJson:
      return "json";
  }
  return "text";
}

const char* Field::sql_type() const {
  switch (kind) {
    case FieldKind::kText:
    case FieldKind::kEnum:
    case FieldKind::kId:
    case FieldKind::kRef:
      return "text";
    case FieldKind::kNumber:
      return "double precision";
    case FieldKind::kInteger:
      return "bigint";
    case FieldKind::kBoolean:
      return "boolean";
    case FieldKind::kTimestamp:
      return "timestamptz";
    case FieldKind::kJson:
      return "jsonb";
  }
  return "text";
}

const Field* EntityType::field(std::string_view json_name) const {
  for (const auto& f : fields)
    if (f.json == json_name) return &f;
  return nullptr;
}

const Field* EntityType::audit(Audit role) const {
  for (const auto& f : fields)
    if (f.audit == role) return &f;
  return nullptr;
}

std::string_view default_schema_text() {
  for (const auto& [name, text] : schema_assets::embedded_files())
    if (name == "demo.yaml") return text;
  return {};
}

void install_schema(std::vector<EntityType> types) {
  installed() = std::move(types);
}

const std::vector<EntityType>& entity_types() {
  if (const auto& types = installed()) return *types;
  // The embedded demo schema is part of the binary and tested: failing here is a build bug.
  static const std::vector<EntityType> demo = [] {
    auto parsed = parse_schema(default_schema_text(), "schema/demo.yaml (embedded)");
    if (auto* e = std::get_if<SchemaError>(&parsed))
      SYNCLINE_UNREACHABLE("the embedded demo schema parses (tested): " + e->message());
    return std::move(std::get<std::vector<EntityType>>(parsed));
  }();
  return demo;
}

const EntityType* find_by_plural(std::string_view plural) {
  for (const auto& t : entity_types())
    if (t.plural == plural) return &t;
  return nullptr;
}

const EntityType* find_by_name(std::string_view name) {
  for (const auto& t : entity_types())
    if (t.name == name) return &t;
  return nullptr;
}

}  // namespace syncline::entities
