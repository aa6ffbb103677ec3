#include "entities/registry.h"

namespace syncline::entities {

const char* Field::sql_type() const {
  switch (kind) {
    case FieldKind::kText:
    case FieldKind::kEnum:
    case FieldKind::kId:
      return "text";
    case FieldKind::kNumber:
      return "double precision";
    case FieldKind::kInteger:
      return "bigint";
    case FieldKind::kBoolean:
      return "boolean";
    case FieldKind::kTimestamp:
      return "timestamptz";
  }
  return "text";
}

const Field* EntityType::field(std::string_view json_name) const {
  for (const auto& f : fields)
    if (f.json == json_name) return &f;
  return nullptr;
}

namespace {
Field text(std::string json, std::string column, std::size_t max_len, bool required = false) {
  return Field{std::move(json), std::move(column), FieldKind::kText, true,
               required,        !required,         max_len,          {}};
}
Field server_set(std::string json, std::string column, FieldKind kind) {
  return Field{std::move(json), std::move(column), kind, false, false, true, 0, {}};
}
void add_audit_fields(std::vector<Field>& f) {
  f.push_back(server_set("createdAt", "created_at", FieldKind::kTimestamp));
  f.push_back(server_set("createdBy", "created_by", FieldKind::kId));
  f.push_back(server_set("modifiedAt", "modified_at", FieldKind::kTimestamp));
  f.push_back(server_set("modifiedBy", "modified_by", FieldKind::kId));
}

constexpr std::size_t kShort = 255, kLong = 100'000, kKey = 1024;

std::vector<EntityType> build() {
  using enum Grant;
  std::vector<EntityType> types;

  // DESIGN §7: pages — member create/read/update, delete own; admin all.
  EntityType page{
      "page", "pages", "pages", {}, {{kAll, kAll, kAll, kOwn}, {kAll, kAll, kAll, kAll}}};
  page.fields.push_back(text("name", "name", kShort, true));
  page.fields.push_back(text("description", "description", kLong));
  page.fields.push_back(text("keywords", "keywords", kLong));
  page.fields.push_back(Field{"status",
                              "status",
                              FieldKind::kEnum,
                              true,
                              false,
                              false,
                              16,
                              {"unpublished", "published", "archived"},
                              "'unpublished'"});
  page.fields.push_back(
      Field{"parentId", "parent_id", FieldKind::kId, true, false, true, 64, {}, "", "page"});
  page.fields.push_back(
      Field{"displayOrder", "display_order", FieldKind::kNumber, true, false, false, 0, {}, "0"});
  add_audit_fields(page.fields);
  types.push_back(std::move(page));

  // attachments — member create/read, update/delete own; admin all.
  EntityType att{"attachment",
                 "attachments",
                 "attachments",
                 {},
                 {{kAll, kAll, kOwn, kOwn}, {kAll, kAll, kAll, kAll}}};
  att.fields.push_back(text("name", "name", kShort, true));
  att.fields.push_back(text("description", "description", kLong));
  att.fields.push_back(text("filename", "filename", kShort, true));
  att.fields.push_back(text("contentType", "content_type", kShort, true));
  att.fields.push_back(Field{"size", "size", FieldKind::kInteger, true, true, false, 0, {}});
  att.fields.push_back(
      Field{"public", "public", FieldKind::kBoolean, true, false, false, 0, {}, "false"});
  att.fields.push_back(text("bucketName", "bucket_name", kShort));
  // The page an attachment belongs to, if any.
  att.fields.push_back(
      Field{"groupId", "group_id", FieldKind::kId, true, false, true, 64, {}, "", "page"});
  att.fields.push_back(text("originalKey", "original_key", kKey));
  att.fields.push_back(text("convertedKey", "converted_key", kKey));
  att.fields.push_back(text("thumbnailKey", "thumbnail_key", kKey));
  add_audit_fields(att.fields);
  types.push_back(std::move(att));
  return types;
}
}  // namespace

const std::vector<EntityType>& entity_types() {
  static const std::vector<EntityType> types = build();
  return types;
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
