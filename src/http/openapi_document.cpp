#include "http/openapi_document.h"
#include "common/json_parse.h"
#include "common/json_text.h"

#include <fmt/format.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <string_view>
#include <utility>
#include <vector>

#include "entities/registry.h"

namespace syncline::http {
namespace assets {
const std::vector<std::pair<std::string_view, std::string_view>>& embedded_files();
}

namespace {

namespace json = boost::json;
using entities::Audit;
using entities::EntityType;
using entities::Field;
using entities::FieldKind;
using entities::Grant;

std::string_view asset(std::string_view name) {
  for (const auto& [n, content] : assets::embedded_files())
    if (n == name) return content;
  return {};
}

std::string capitalized(std::string s) {
  if (!s.empty()) s[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(s[0])));
  return s;
}

void replace_all(std::string& s, std::string_view from, std::string_view to) {
  for (auto at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size()))
    s.replace(at, from.size(), to);
}

std::string joined(const std::vector<std::string>& words, const char* last = " and ") {
  std::string out;
  for (std::size_t i = 0; i < words.size(); ++i)
    out += (i == 0 ? "" : i + 1 == words.size() ? last : ", ") + words[i];
  return out;
}

// "members may create, read and update any page and delete pages they created; …"
std::string grants_sentence(const std::string& who, const std::array<Grant, 4>& g,
                            const EntityType& t) {
  static const char* kOps[] = {"create", "read", "update", "delete"};
  std::vector<std::string> all, own, none;
  for (int i = 0; i < 4; ++i)
    (g[i] == Grant::kAll ? all : g[i] == Grant::kOwn ? own : none).push_back(kOps[i]);
  if (none.size() == 4) return who + " may do nothing";
  if (all.size() == 4) return who + " may do everything";
  std::string s = who + " may";
  if (!all.empty()) s += " " + joined(all) + " any " + t.name;
  if (!own.empty())
    s += (all.empty() ? " " : " and ") + joined(own) + " " + t.plural + " they created";
  if (!none.empty()) s += ", but not " + joined(none, " or ");
  return s;
}

std::string permissions(const EntityType& t) {
  return grants_sentence("members", t.policy.member, t) + "; " +
         grants_sentence("organization admins", t.policy.admin, t) +
         "; system admins may do everything.";
}

json::value nullable(const char* type, bool is_nullable) {
  if (!is_nullable) return json::value(type);
  return json::array{type, "null"};
}

std::string audit_sentence(Audit a) {
  switch (a) {
    case Audit::kCreatedAt:
      return "Set by the server when the entity is created (RFC 3339 UTC).";
    case Audit::kCreatedBy:
      return "Set by the server: the user who created the entity.";
    case Audit::kModifiedAt:
      return "Set by the server on every write (RFC 3339 UTC).";
    case Audit::kModifiedBy:
      return "Set by the server: the user who wrote last.";
    case Audit::kNone:
      break;
  }
  return "";
}

// The JSON Schema of one field's value, as every schema of the type shows it.
json::object property(const Field& f) {
  json::object p;
  std::string text = f.description;
  auto add = [&](const std::string& s) { text += (text.empty() ? "" : " ") + s; };
  switch (f.kind) {
    case FieldKind::kText:
      p["type"] = nullable("string", f.nullable);
      if (!f.nullable) p["minLength"] = 1;
      p["maxLength"] = f.max_len;
      break;
    case FieldKind::kEnum: {
      p["type"] = nullable("string", f.nullable);
      json::array values;
      for (const auto& v : f.values) values.push_back(json::value(v));
      if (f.nullable) values.push_back(nullptr);
      p["enum"] = std::move(values);
      break;
    }
    case FieldKind::kId:
    case FieldKind::kRef:
      p["type"] = nullable("string", f.nullable);
      p["pattern"] = "^[A-Za-z0-9_-]{1,64}$";
      p["maxLength"] = 64;
      if (f.kind == FieldKind::kRef)
        add("The id of a " + f.ref +
            " of the same organization (422 `INVALID_REFERENCE` otherwise).");
      break;
    case FieldKind::kNumber:
    case FieldKind::kInteger:
      p["type"] = nullable(f.kind == FieldKind::kNumber ? "number" : "integer", f.nullable);
      if (f.min) p["minimum"] = *f.min;
      if (f.max) p["maximum"] = *f.max;
      break;
    case FieldKind::kBoolean:
      p["type"] = nullable("boolean", f.nullable);
      break;
    case FieldKind::kTimestamp:
      p["type"] = nullable("string", f.nullable);
      p["format"] = "date-time";
      break;
    case FieldKind::kJson:
      add(fmt::format("Any JSON value, at most {} bytes serialized (no NUL characters).",
                      f.max_len));
      break;
  }
  if (!f.default_json.empty()) p["default"] = parse_json(f.default_json);
  if (!f.writable()) {
    p["readOnly"] = true;
    add(audit_sentence(f.audit));
  } else {
    if (f.required) add("Required on create.");
    if (!f.nullable) add("Never null.");
    if (f.merge_manual) add("Conflicts on this field go to the user (merge: manual).");
    if (f.merge_text)
      add("A stale update is merged with the current value, by lines then words (merge: text); "
          "the answer then says `merged: true`. Overlapping changes are a 409 with baseValue, "
          "mineValue and the conflicting ranges.");
  }
  if (!text.empty()) p["description"] = text;
  return p;
}

json::value example_value(const Field& f, const std::string& type) {
  switch (f.kind) {
    case FieldKind::kText:
      return json::value("Example " + f.json);
    case FieldKind::kEnum:
      return json::value(f.values.front());
    case FieldKind::kId:
      return json::value("usr_1");
    case FieldKind::kRef:
      return json::value(f.ref + "_1");
    case FieldKind::kNumber:
      return json::value(f.min ? *f.min : 1.5);
    case FieldKind::kInteger:
      return json::value(static_cast<std::int64_t>(f.min ? *f.min : 1));
    case FieldKind::kBoolean:
      return json::value(true);
    case FieldKind::kTimestamp:
      return json::value("2026-12-01T09:30:00Z");
    case FieldKind::kJson:
      return json::object{{"example", type}};
  }
  return nullptr;
}

json::object example_tx(const char* tx_id, const json::value& changed,
                        const json::value& expected) {
  return {{"transactionId", tx_id},
          {"sourceId", "k3J9_aQ2mB7x"},
          {"changedField", changed},
          {"expectedTransactionId", expected}};
}

// "a page", "an attachment": the article by the name's first letter (a vowel letter takes
// "an"; good enough for type names, which are identifiers, not prose).
std::string with_article(const std::string& name) {
  bool vowel =
      !name.empty() && std::string_view("aeiouAEIOU").find(name[0]) != std::string_view::npos;
  return (vowel ? "an " : "a ") + name;
}

void fill_type(json::object& schemas, json::object& paths, const EntityType& t,
               const std::string& Type) {
  json::object tmpl =
      parse_json(std::string([&] {
        std::string s(asset("entity_template.json"));
        std::vector<std::string> required{"`id`"}, server;
        for (const auto& f : t.fields) {
          if (f.required) required.push_back("`" + f.json + "`");
          if (!f.writable()) server.push_back("`" + f.json + "`");
        }
        replace_all(s, "{{required}}", joined(required));
        replace_all(s, "{{server_fields}}", server.empty() ? std::string("none") : joined(server));
        replace_all(s, "{{permissions}}", permissions(t));
        replace_all(s, "{{Type}}", Type);
        replace_all(s, "{{Plural}}", capitalized(t.plural));
        replace_all(s, "{{plural}}", t.plural);
        replace_all(s, "{{a_type}}", with_article(t.name));
        replace_all(s, "{{A_type}}", capitalized(with_article(t.name)));
        replace_all(s, "{{type}}", t.name);
        return s;
      }()))
          .as_object();
  auto& s = tmpl["schemas"].as_object();
  json::object data{
      {"id",
       {{"allOf", json::array{json::object{{"$ref", "#/components/schemas/EntityId"}}}},
        {"description", "Client-generated id, unique within its organization."}}},
      {"organizationId",
       {{"type", "string"}, {"readOnly", true}, {"description", "The owning organization's id."}}}};
  json::object create{
      {"id", {{"$ref", "#/components/schemas/EntityId"}}},
      {"organizationId",
       {{"type", "string"},
        {"description",
         "Optional; when sent it must equal the organization's id (not its slug)."}}}};
  json::object update;
  json::array all{"id", "organizationId"}, required{"id"};
  json::object create_example{{"id", t.name + "_1"}};
  const Field* first_writable = nullptr;
  for (const auto& f : t.fields) {
    auto p = property(f);
    data[f.json] = p;
    all.push_back(json::value(f.json));
    if (!f.writable()) continue;
    create[f.json] = p;
    update[f.json] = p;
    if (f.required) {
      required.push_back(json::value(f.json));
      create_example[f.json] = example_value(f, t.name);
    }
    if (!first_writable) first_writable = &f;
  }
  s[Type].as_object()["properties"] = std::move(data);
  s[Type].as_object()["required"] = std::move(all);
  s[Type + "CreateData"].as_object()["properties"] = std::move(create);
  s[Type + "CreateData"].as_object()["required"] = std::move(required);
  s[Type + "UpdateData"].as_object()["properties"] = std::move(update);
  s[Type + "CreateRequest"].as_object()["examples"] = json::array{
      json::object{{"data", std::move(create_example)},
                   {"tx", example_tx("1764081234567.0003.k3J9_aQ2mB7x", nullptr, nullptr)}}};
  if (first_writable)
    s[Type + "UpdateRequest"].as_object()["examples"] = json::array{json::object{
        {"data", json::object{{first_writable->json, example_value(*first_writable, t.name)}}},
        {"tx", example_tx("1764081299001.0000.k3J9_aQ2mB7x", json::value(first_writable->json),
                          json::value("1764081234567.0003.k3J9_aQ2mB7x"))}}};
  for (auto& kv : s) schemas[kv.key()] = std::move(kv.value());
  for (auto& kv : tmpl["paths"].as_object()) paths[kv.key()] = std::move(kv.value());
}

json::object build() {
  auto doc = parse_json(asset("openapi.json")).as_object();
  auto& schemas = doc["components"].as_object()["schemas"].as_object();
  auto& tags = doc["tags"].as_array();
  // Entity routes follow the organization routes, as the router registers them.
  json::object paths;
  json::object entity_paths;
  for (const auto& t : entities::entity_types()) {
    fill_type(schemas, entity_paths, t, capitalized(t.name));
    tags.push_back(json::object{
        {"name", capitalized(t.plural)},
        {"description", "Synced entity `" + t.name + "` (`entityType` \"" + t.name + "\")."}});
  }
  bool placed = false;
  auto place = [&] {
    for (auto& e : entity_paths) paths[e.key()] = std::move(e.value());
    placed = true;
  };
  for (auto& kv : doc["paths"].as_object()) {
    paths[kv.key()] = std::move(kv.value());
    if (kv.key() == "/organizations/{o}/memberships/{userId}") place();
  }
  if (!placed) place();
  doc["paths"] = std::move(paths);
  return doc;
}

}  // namespace

const boost::json::object& openapi_object() {
  static const json::object doc = build();
  return doc;
}

const std::string& openapi_text() {
  static const std::string text = json_text(openapi_object());
  return text;
}

}  // namespace syncline::http
