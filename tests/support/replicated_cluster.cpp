#include "support/replicated_cluster.h"

#include <cstdlib>
#include <filesystem>
#include <stdexcept>

#include "support/cluster.h"

namespace syncline::test {

namespace {
std::string pg(const std::vector<std::string>& args) {
  std::vector<std::string> argv{SYNCLINE_SOURCE_DIR "/scripts/pg"};
  argv.insert(argv.end(), args.begin(), args.end());
  std::string out;
  if (run_command(argv, &out) != 0) throw std::runtime_error("scripts/pg " + args[0] + " failed");
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out;
}

// "postgresql://user@host:port/db" → "host:port" (the URLs scripts/pg prints).
std::string host_port(const std::string& url) {
  auto at = url.find('@'), slash = url.rfind('/');
  return url.substr(at + 1, slash - at - 1);
}
}  // namespace

ReplicatedCluster::ReplicatedCluster(bool synchronous)
    : dir_(make_temp_dir("syncline-test-pg-pair")) {
  setenv("SYNCLINE_PG_FSYNC", "off", 1);
  primary_url_ = pg({"start", dir_ + "/primary"});
  std::vector<std::string> args{"standby", dir_ + "/primary", dir_ + "/replica"};
  if (synchronous) args.push_back("sync");
  replica_url_ = pg(args);
  url_ = "postgresql://syncline@" + host_port(primary_url_) + "," + host_port(replica_url_) +
         "/syncline?target_session_attrs=read-write&connect_timeout=3";
}

ReplicatedCluster::~ReplicatedCluster() {
  run_command({SYNCLINE_SOURCE_DIR "/scripts/pg", "stop", dir_ + "/primary"});
  run_command({SYNCLINE_SOURCE_DIR "/scripts/pg", "stop", dir_ + "/replica"});
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

void ReplicatedCluster::crash_primary() {
  pg({"crash", dir_ + "/primary"});
}

void ReplicatedCluster::promote_replica() {
  pg({"promote", dir_ + "/replica"});
}

}  // namespace syncline::test
