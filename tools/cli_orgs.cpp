#include "cli_orgs.h"

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <map>

namespace {
std::map<std::string, std::string> read_all(const std::string& file) {
  std::map<std::string, std::string> out;
  std::ifstream in(file);
  std::string slug, id;
  while (in >> slug >> id) out[slug] = id;
  return out;
}
}  // namespace

void remember_org(const std::string& data_dir, const std::string& slug, const std::string& id) {
  const std::string file = data_dir + "/orgs";
  auto all = read_all(file);
  if (all.count(slug) && all[slug] == id) return;
  all[slug] = id;
  // Written whole to a temp file and renamed: a concurrent reader sees the old or the new one.
  const std::string tmp = file + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    for (const auto& [s, i] : all) out << s << " " << i << "\n";
  }
  chmod(tmp.c_str(), 0600);
  std::filesystem::rename(tmp, file);
}

std::optional<std::string> known_org(const std::string& data_dir, const std::string& slug_or_id) {
  auto all = read_all(data_dir + "/orgs");
  std::string id = all.count(slug_or_id) ? all[slug_or_id] : slug_or_id;
  if (!std::filesystem::exists(data_dir + "/" + id)) return std::nullopt;
  return id;
}
