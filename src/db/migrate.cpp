#include "db/migrate.h"

#include <spdlog/spdlog.h>

#include <string_view>
#include <utility>

#include "db/own_schema.h"
#include "db/relocate.h"
#include "db/sql.h"

namespace syncline::db {
namespace migrations {
const std::vector<std::pair<std::string_view, std::string_view>>& embedded_files();
}
namespace baseline {
const std::vector<std::pair<std::string_view, std::string_view>>& embedded_files();
}

namespace {

// Serialises concurrent migrators; released at commit.
constexpr std::string_view kLock = "SELECT pg_advisory_xact_lock(7366101)";

std::string version_of(std::string_view file) {
  return std::string(file.substr(0, file.find('.')));
}

std::vector<std::string> all_versions() {
  std::vector<std::string> out;
  for (const auto& [name, sql] : migrations::embedded_files()) out.push_back(version_of(name));
  return out;
}

std::string ledger() {
  return ident(own_schema()) + ".schema_migrations";
}

// A fresh database gets the baseline and the ledger rows of every migration it stands for.
void install_baseline(Connection& c) {
  const auto& [name, sql] = baseline::embedded_files().front();
  const auto upto = version_of(name).substr(0, 3);  // "011"
  c.exec_script(sql);
  for (const auto& v : all_versions())
    if (v.substr(0, 3) <= upto) c.exec("INSERT INTO " + ledger() + "(version) VALUES ($1)", {v});
  spdlog::info("installed Syncline's schema {} (baseline {})", own_schema(), upto);
}

// The first step: the schema, a previous release's objects moved into it, or the baseline.
Result<bool> prepare(Connection& c) {
  Transaction tx(c);
  c.exec(kLock);
  c.exec("CREATE SCHEMA IF NOT EXISTS " + ident(own_schema()));
  auto previous = find_previous_install(c);
  if (!previous) return previous.error();
  bool fresh = false;
  if (*previous) {
    if (auto moved = relocate(c, **previous, all_versions()); !moved) return moved.error();
  } else if (!has_install(c, own_schema())) {
    c.exec("CREATE TABLE IF NOT EXISTS " + ledger() +
           " (version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())");
    install_baseline(c);
    fresh = true;
  }
  tx.commit();
  return fresh;
}

}  // namespace

Result<std::vector<std::string>> migrate(Connection& c) {
  auto fresh = prepare(c);
  if (!fresh) return fresh.error();
  std::vector<std::string> applied;
  if (*fresh) applied.push_back("baseline");
  for (const auto& [name, sql] : migrations::embedded_files()) {
    auto version = version_of(name);
    Transaction tx(c);
    c.exec(kLock);
    if (!c.exec("SELECT 1 FROM " + ledger() + " WHERE version = $1", {version}).empty()) continue;
    c.exec_script(sql);
    c.exec("INSERT INTO " + ledger() + "(version) VALUES ($1)", {version});
    tx.commit();
    spdlog::info("applied migration {}", version);
    applied.push_back(version);
  }
  return applied;
}

}  // namespace syncline::db
