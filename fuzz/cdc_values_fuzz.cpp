// Fuzz target: turning decoded rows into activities (CDC-001..021, SEC-038). Column texts are
// whatever apps and admins wrote into the synced tables (a job may write anything the column
// type accepts), so each must become an entity value or a warning, never a crash. The input is
// split at NUL into the columns of a `pages` row, inserted then updated in one transaction.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "cdc/activity_builder.h"
#include "entities/registry.h"

using namespace syncline::cdc;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const auto& type = *syncline::entities::find_by_name("page");
  Relation rel;
  rel.relid = 1;
  rel.nspname = "public";
  rel.relname = type.table;
  for (const char* c : {"id", "organization_id", "tx", "field_tx"}) rel.columns.push_back({1, c, 25, -1});
  for (const auto& f : type.fields) rel.columns.push_back({0, f.column, 25, -1});
  Tuple row;
  for (std::size_t i = 0; i < rel.columns.size(); ++i) {
    auto nul = bytes.find('\0');
    auto part = bytes.substr(0, nul);
    bytes = nul == std::string_view::npos ? std::string_view() : bytes.substr(nul + 1);
    if (part == "\x01") row.push_back({Value::kNull, {}});
    else if (part == "\x02") row.push_back({Value::kUnchangedToast, {}});
    else row.push_back({Value::kText, std::string(part)});
  }
  SourceTransaction txn;
  txn.final_lsn = 42;
  txn.changes.push_back({'I', 1, {}, row});
  txn.changes.push_back({'U', 1, row, row});
  txn.changes.push_back({'D', 1, row, {}});
  std::map<std::uint32_t, Relation> relations{{1, rel}};
  build_activities(txn, relations);
  pg_timestamp_to_rfc3339(std::string(reinterpret_cast<const char*>(data), size));
  return 0;
}
