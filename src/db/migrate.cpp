#include "db/migrate.h"

#include <spdlog/spdlog.h>

#include <string_view>
#include <utility>

namespace syncline::db {
namespace migrations {
const std::vector<std::pair<std::string_view, std::string_view>>& embedded_files();
}

std::vector<std::string> migrate(Connection& c) {
  c.exec(
      "CREATE TABLE IF NOT EXISTS schema_migrations ("
      " version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())");
  std::vector<std::string> applied;
  for (const auto& [name, sql] : migrations::embedded_files()) {
    std::string version(name.substr(0, name.find('.')));
    Transaction tx(c);
    // Serialises concurrent migrators; released at commit.
    c.exec("SELECT pg_advisory_xact_lock(7366101)");
    auto done = c.exec("SELECT 1 FROM schema_migrations WHERE version = $1", {version});
    if (!done.empty()) continue;
    c.exec_script(sql);
    c.exec("INSERT INTO schema_migrations(version) VALUES ($1)", {version});
    tx.commit();
    spdlog::info("applied migration {}", version);
    applied.push_back(version);
  }
  return applied;
}

}  // namespace syncline::db
