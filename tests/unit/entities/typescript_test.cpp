// `syncline schema typescript` (JS-002): the declarations for a schema — row and insert
// interfaces per type, readonly server-set fields, `| null` for nullable ones, enum unions, keys
// quoted when not identifiers, and the type maps the package is generic over.
#include "entities/typescript.h"

#include <gtest/gtest.h>

namespace syncline::entities {
namespace {

TEST(TypeScript, RowsInsertsAndTheTypeMapsJS002) {
  EntityType t;
  t.name = "task_item";
  t.plural = "task-items";
  Field title{"title", "title", FieldKind::kText};
  title.required = true;
  title.nullable = false;
  title.description = "What to do */ now";
  Field state{"state", "state", FieldKind::kEnum};
  state.values = {"todo", "it's done"};
  state.nullable = false;
  Field odd{"due-at", "due_at", FieldKind::kTimestamp};
  Field meta{"meta", "meta", FieldKind::kJson};
  Field by{"createdBy", "created_by", FieldKind::kId};
  by.audit = Audit::kCreatedBy;
  t.fields = {title, state, odd, meta, by};
  const auto ts = typescript_types({t});
  EXPECT_NE(ts.find("export interface TaskItem {"), std::string::npos) << ts;
  EXPECT_NE(ts.find("  /** What to do * / now */\n  title: string;\n"), std::string::npos) << ts;
  EXPECT_NE(ts.find("  state: \"todo\" | \"it's done\";\n"), std::string::npos) << ts;
  EXPECT_NE(ts.find("  \"due-at\": string | null;\n"), std::string::npos) << ts;
  EXPECT_NE(ts.find("  meta: unknown | null;\n"), std::string::npos) << ts;
  EXPECT_NE(ts.find("  readonly createdBy: string | null;\n"), std::string::npos) << ts;
  // The insert: required fields required, the rest optional, nothing the server sets.
  const auto insert = ts.substr(ts.find("export interface TaskItemInsert {"));
  EXPECT_NE(insert.find("  title: string;\n"), std::string::npos) << insert;
  EXPECT_NE(insert.find("  state?: \"todo\" | \"it's done\";\n"), std::string::npos) << insert;
  EXPECT_EQ(insert.substr(0, insert.find("}")).find("createdBy"), std::string::npos) << insert;
  EXPECT_NE(ts.find("export interface SynclineTypes {\n  task_item: TaskItem;\n}"),
            std::string::npos);
  EXPECT_NE(ts.find("export interface SynclineInserts {\n  task_item: TaskItemInsert;\n}"),
            std::string::npos);
}

}  // namespace
}  // namespace syncline::entities
