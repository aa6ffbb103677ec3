// A Postgres primary with a streaming replica (scripts/pg standby), for failover tests
// (DESIGN §14, DEPLOY-040..043): synchronous by default, so a commit returns only once the
// replica has it. url() is the multi-host URL a deployment gives Syncline: libpq connects to
// whichever of the two accepts writes (target_session_attrs=read-write). Both clusters live
// in one temp dir; the destructor stops both (pg_ctl) and removes it.
#pragma once

#include <string>

namespace syncline::test {

class ReplicatedCluster {
 public:
  explicit ReplicatedCluster(bool synchronous = true);
  ~ReplicatedCluster();
  ReplicatedCluster(const ReplicatedCluster&) = delete;
  ReplicatedCluster& operator=(const ReplicatedCluster&) = delete;

  const std::string& url() const { return url_; }  // both hosts, read-write wanted
  const std::string& primary_url() const { return primary_url_; }
  const std::string& replica_url() const { return replica_url_; }
  // The primary stops as in a crash (immediate shutdown: no checkpoint, clients cut).
  void crash_primary();
  // The replica becomes the primary (pg_ctl promote; returns once it accepts writes).
  void promote_replica();

 private:
  std::string dir_;
  std::string primary_url_, replica_url_, url_;
};

}  // namespace syncline::test
