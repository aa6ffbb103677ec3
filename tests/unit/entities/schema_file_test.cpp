// SCHEMA-001..010: the schema file. The shipped demo file declares exactly the types the demo
// had when they were compiled in; every malformed file is refused with its line and reason.
#include <gtest/gtest.h>

#include "entities/schema_file.h"

namespace syncline::entities {

namespace {
std::vector<EntityType> ok(const std::string& yaml) {
  auto r = parse_schema(yaml, "test.yaml");
  if (auto* e = std::get_if<SchemaError>(&r)) ADD_FAILURE() << e->message();
  return std::holds_alternative<std::vector<EntityType>>(r) ? std::get<0>(r)
                                                            : std::vector<EntityType>{};
}

SchemaError refused(const std::string& yaml) {
  auto r = parse_schema(yaml, "test.yaml");
  EXPECT_TRUE(std::holds_alternative<SchemaError>(r)) << yaml;
  return std::holds_alternative<SchemaError>(r) ? std::get<SchemaError>(r) : SchemaError{};
}

const char* kTracker = R"(version: 1
types:
  project:
    fields:
      name: {kind: text, max: 200, required: true}
  task:
    plural: tasks
    table: app.tasks
    key: task_id
    org: tenant
    owner: author
    fields:
      title:    {kind: text, max: 500, required: true}
      notes:    {kind: text, max: 100000, merge: manual}
      status:   {kind: enum, values: [todo, doing, done], default: todo}
      points:   {kind: integer, min: 0, max: 100}
      weight:   {kind: number, min: -1.5, default: 1}
      done:     {kind: boolean, default: false}
      due:      {kind: timestamp}
      project:  {kind: ref, to: project, column: project_id}
      meta:     {kind: json, max_bytes: 16384}
      createdAt: {kind: timestamp, server: created_at}
      createdBy: {kind: id, server: created_by, column: author}
    grants:
      member: {create: all, read: all, update: all, delete: own}
      admin:  {create: all, read: all, update: all, delete: all}
)";
}  // namespace

TEST(SchemaFile, TheDemoFileDeclaresPagesAndAttachmentsSCHEMA001) {
  auto types = ok(std::string(default_schema_text()));
  ASSERT_EQ(types.size(), 2u);
  const auto& page = types[0];
  EXPECT_EQ(page.name, "page");
  EXPECT_EQ(page.plural, "pages");
  EXPECT_EQ(page.table, "public.pages");
  EXPECT_EQ(page.owner_column, "created_by");
  std::vector<std::string> names;
  for (const auto& f : page.fields) names.push_back(f.json);
  EXPECT_EQ(names, (std::vector<std::string>{"name", "description", "keywords", "status",
                                             "parentId", "displayOrder", "createdAt", "createdBy",
                                             "modifiedAt", "modifiedBy"}));
  EXPECT_TRUE(page.field("name")->required);
  EXPECT_FALSE(page.field("name")->nullable);
  EXPECT_EQ(page.field("name")->max_len, 255u);
  EXPECT_EQ(page.field("status")->sql_default, "'unpublished'");
  EXPECT_FALSE(page.field("status")->nullable);
  EXPECT_EQ(page.field("parentId")->kind, FieldKind::kRef);
  EXPECT_EQ(page.field("parentId")->ref, "page");
  EXPECT_EQ(page.field("parentId")->column, "parent_id");
  EXPECT_EQ(page.field("displayOrder")->sql_default, "0");
  EXPECT_EQ(page.field("modifiedBy")->audit, Audit::kModifiedBy);
  using enum Grant;
  EXPECT_EQ(page.policy.member, (std::array<Grant, 4>{kAll, kAll, kAll, kOwn}));
  EXPECT_EQ(types[1].policy.member, (std::array<Grant, 4>{kAll, kAll, kOwn, kOwn}));
  EXPECT_EQ(types[1].field("size")->min, 0.0);
  EXPECT_TRUE(types[1].field("size")->required);
  EXPECT_EQ(types[1].field("public")->sql_default, "false");
}

TEST(SchemaFile, EveryKindAndOptionOfATrackerSCHEMA002) {
  auto types = ok(kTracker);
  ASSERT_EQ(types.size(), 2u);
  const auto& project = types[0];
  EXPECT_EQ(project.plural, "projects");
  EXPECT_EQ(project.table, "public.projects");
  EXPECT_EQ(project.owner_column, "");
  const auto& task = types[1];
  EXPECT_EQ(task.schema, "app");
  EXPECT_EQ(task.table_name, "tasks");
  EXPECT_EQ(task.key_column, "task_id");
  EXPECT_EQ(task.org_column, "tenant");
  EXPECT_TRUE(task.field("notes")->merge_manual);
  EXPECT_EQ(task.field("points")->max, 100.0);
  EXPECT_EQ(task.field("weight")->sql_default, "1");
  EXPECT_EQ(task.field("due")->kind, FieldKind::kTimestamp);
  EXPECT_TRUE(task.field("due")->writable());
  EXPECT_EQ(task.field("meta")->kind, FieldKind::kJson);
  EXPECT_EQ(task.field("meta")->max_len, 16384u);
  EXPECT_EQ(task.field("createdBy")->column, "author");
  EXPECT_EQ(task.field("createdBy")->audit, Audit::kCreatedBy);
  EXPECT_STREQ(task.field("meta")->sql_type(), "jsonb");
}

TEST(SchemaFile, MalformedFilesAreRefusedWithLineAndReasonSCHEMA003) {
  struct Case {
    std::string yaml;
    int line;
    std::string reason;
  };
  const std::string head = "version: 1\ntypes:\n  task:\n    fields:\n";
  std::vector<Case> cases = {
      {"version: 2\ntypes: {}\n", 1, "version must be 1"},
      {"types:\n  t:\n    fields: {a: {kind: text}}\n", 1, "version must be 1"},
      {"version: 1\ntypes: [a]\n", 1, "types must declare"},
      {"version: 1\ntypes:\n  Task:\n    fields: {a: {kind: text}}\n", 4, "type name 'Task'"},
      {"version: 1\ntypes:\n  t:\n    colour: red\n    fields: {a: {kind: text}}\n", 4,
       "unknown key 'colour'"},
      {"version: 1\ntypes:\n  t:\n    plural: live\n    fields: {a: {kind: text}}\n", 4,
       "a route of its own"},
      {"version: 1\ntypes:\n  t:\n    table: \"drop table\"\n    fields: {a: {kind: text}}\n", 4,
       "must be [schema.]name"},
      {"version: 1\ntypes:\n  t:\n    owner: Bad-Name\n    fields: {a: {kind: text}}\n", 4,
       "not an SQL identifier"},
      // ADOPT-003: Postgres' schemas and Syncline's are never synced tables (an app's own
      // `public.users` may be: ours live in Syncline's schema, and `schema check` refuses a
      // previous release's, still in public, from the catalog); the owner is set by the server.
      {"version: 1\ntypes:\n  t:\n    table: pg_catalog.pg_class\n    fields: {a: {kind: text}}\n",
       4, "belongs to Postgres or Syncline"},
      {"version: 1\ntypes:\n  t:\n    table: syncline.t\n    fields: {a: {kind: text}}\n", 4,
       "belongs to Postgres or Syncline"},
      {"version: 1\ntypes:\n  t:\n    owner: author\n    fields: {author: {kind: id}}\n", 4,
       "which clients write"},
      {"version: 1\ntypes:\n  t: {}\n", 3, "needs fields"},
      {head + "      title: {kind: string}\n", 5, "unknown kind 'string'"},
      {head + "      title: {max: 3}\n", 5, "has no kind"},
      {head + "      id: {kind: text}\n", 5, "not id or organizationId"},
      {head + "      title: {kind: text, max: -1}\n", 5, "whole number"},
      {head + "      title: {kind: text, colour: red}\n", 5, "unknown key 'colour'"},
      {head + "      s: {kind: enum}\n", 5, "needs values"},
      {head + "      s: {kind: enum, values: [a, a]}\n", 5, "listed twice"},
      {head + "      s: {kind: enum, values: [a], default: b}\n", 5, "not one of the values"},
      {head + "      n: {kind: integer, min: 5, max: 1}\n", 5, "min is above max"},
      {head + "      n: {kind: integer, min: 0.5}\n", 5, "whole numbers"},
      {head + "      n: {kind: boolean, default: maybe}\n", 5, "true or false"},
      {head + "      n: {kind: text, required: true, default: x}\n", 5, "exclude each other"},
      {head + "      n: {kind: boolean, max: 3}\n", 5, "does not apply"},
      {head + "      r: {kind: ref}\n", 5, "needs to:"},
      {head + "      r: {kind: ref, to: nowhere}\n", 5, "not a declared type"},
      {head + "      c: {kind: text, server: created_at}\n", 5, "needs kind: timestamp"},
      {head + "      c: {kind: id, server: deleted_by}\n", 5, "created_at, created_by"},
      {head + "      a: {kind: text}\n      b: {kind: text, column: a}\n", 6, "used twice"},
      {head + "      a: {kind: text}\n    grants: {member: {delete: own}}\n", 6, "needs owner"},
      {head + "      a: {kind: text}\n    grants: {guest: {read: all}}\n", 6,
       "unknown key 'guest'"},
      {head + "      a: {kind: text}\n    grants: {member: {read: some}}\n", 6, "all, own or none"},
      {head + "      a: {kind: text, merge: magic}\n", 5, "manual, text or lww"},
      {head + "      a: {kind: integer, merge: text}\n", 5, "for text fields"},  // COLLAB
      {head + "      a: [kind, text\n", 6, "end of sequence"},  // YAML syntax: found at the end
  };
  for (const auto& c : cases) {
    auto e = refused(c.yaml);
    EXPECT_EQ(e.line, c.line) << c.yaml << "\n→ " << e.message();
    EXPECT_NE(e.reason.find(c.reason), std::string::npos) << c.yaml << "\n→ " << e.message();
    EXPECT_EQ(e.message().rfind("test.yaml:", 0), 0u) << e.message();
  }
  auto missing = load_schema_file("/nonexistent/schema.yaml");
  EXPECT_EQ(std::get<SchemaError>(missing).message(), "/nonexistent/schema.yaml: cannot be read");
}

}  // namespace syncline::entities
