// What the CDC tells the bus for routing shapes (DESIGN §16, SHAPE-021): an update carries the
// old values of the filterable fields it changed, a delete those of every filterable field, a
// create none — so the bus can offer a leave to exactly the shapes the entity was in.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "cdc/activity_builder.h"
#include "entities/registry.h"

namespace syncline::cdc {
namespace {

namespace json = boost::json;

struct PageTable {
  Relation rel;
  PageTable() {
    const auto* t = entities::find_by_name("page");
    rel.relid = 7;
    rel.nspname = t->schema;
    rel.relname = t->table_name;
    for (const char* c : {"id", "organization_id", "tx", "field_tx"})
      rel.columns.push_back({false, c, 25, -1});
    for (const auto& f : t->fields) rel.columns.push_back({false, f.column, 25, -1});
  }
  // A row: every column null but those given (by column name).
  Tuple row(const std::map<std::string, std::string>& values) const {
    Tuple out;
    for (const auto& c : rel.columns) {
      auto it = values.find(c.name);
      out.push_back(it == values.end() ? Value{} : Value{Value::kText, it->second});
    }
    return out;
  }
};

json::value before_of(char op, const Tuple& old_tuple, const Tuple& new_tuple) {
  PageTable p;
  SourceTransaction txn;
  txn.changes.push_back({op, 7, old_tuple, new_tuple});
  auto built = build_activities(txn, {{7, p.rel}});
  EXPECT_EQ(built.activities.size(), 1u);
  return built.activities.empty() ? json::value() : built.activities[0].before;
}

TEST(ActivityBuilder, CarriesTheOldValuesOfTouchedFilterableFieldsSHAPE021) {
  PageTable p;
  auto a = p.row({{"id", "x"},
                  {"organization_id", "o"},
                  {"name", "A"},
                  {"status", "published"},
                  {"parent_id", "p1"}});
  auto renamed = p.row({{"id", "x"},
                        {"organization_id", "o"},
                        {"name", "B"},
                        {"status", "published"},
                        {"parent_id", "p1"}});
  auto moved = p.row({{"id", "x"},
                      {"organization_id", "o"},
                      {"name", "A"},
                      {"status", "archived"},
                      {"parent_id", "p1"}});
  EXPECT_EQ(before_of('U', a, renamed), json::parse(R"({"name":"A"})"));
  EXPECT_EQ(before_of('U', a, moved), json::parse(R"({"status":"published"})"));
  EXPECT_TRUE(before_of('I', {}, a).is_null());
  auto gone = before_of('D', a, {});
  ASSERT_TRUE(gone.is_object());
  EXPECT_EQ(gone.as_object().at("status"), "published");
  EXPECT_EQ(gone.as_object().at("parentId"), "p1");
  EXPECT_TRUE(gone.as_object().at("description").is_null());  // null old values are kept
  // Without the old row (no REPLICA IDENTITY FULL): unknown, never guessed.
  EXPECT_TRUE(before_of('U', {}, moved).is_null());
}

}  // namespace
}  // namespace syncline::cdc
