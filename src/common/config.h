// Runtime configuration: flags override SYNCLINE_* environment variables, which override
// defaults. Filled by main.cpp; read-only afterwards.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "common/net.h"

namespace syncline {

struct Config {
  std::string database_url = "postgresql://syncline@127.0.0.1:5432/syncline";
  std::string listen_host = "127.0.0.1";
  unsigned short listen_port = 8080;
  std::string port_file;          // when set, the bound port is written here (port 0 = pick)
  std::size_t io_threads = 2;     // event-loop threads (HTTP sessions)
  std::size_t db_pool_size = 16;  // Postgres connections = worker threads for handlers
  std::string log_level = "info";
  bool cookie_secure = false;  // add `Secure` to the session cookie (behind TLS)
  int session_days = 30;
  // Resource bounds of one node (DESIGN §12, SEC-030..039).
  int stream_write_timeout_s = 30;  // a stream socket taking no bytes this long is closed
  int presence_ttl_s = 30;          // a presence not renewed this long is gone (DESIGN §21)
  std::size_t max_streams_per_session = 16;
  std::size_t max_streams = 20'000;      // open live streams on this node
  std::size_t max_connections = 25'000;  // open HTTP connections on this node
  // Snapshots (DESIGN §18): each holds a database connection of its own (outside db_pool) and
  // a transaction, so they are few per node, one per session, and end after a while whatever
  // the reader's pace (an open transaction pins vacuum).
  std::size_t max_snapshots = 4;
  // SEC-050: sign-ups one address (an IPv6 /64) may make at once; one comes back per second.
  int sign_up_burst = 20;
  int sign_ups_per_hour = 30;  // per address, in Postgres (SEC-050)
  int max_orgs_per_user = 20;  // organizations one account may create (SEC-050)
  int snapshot_max_seconds = 300;
  std::vector<Cidr> trusted_proxies;  // peers whose X-Forwarded-For/-Proto are believed
  double org_write_rate = 0;          // mutations/s per org (bursts of 2×); 0 = no quota
  std::string ops_token;              // when set, /metrics and /health/sync require it
  // Origins (exact, "https://app.example.com") whose pages may call the API (http/cors.h).
  std::vector<std::string> cors_origins;
  // Local accounts (sign-up, sign-in with a password); off beside an identity provider.
  bool local_accounts = true;
  // CDC worker (DESIGN §5).
  std::string cdc_slot = "syncline_slot";
  std::string cdc_publication = "syncline_pub";
  std::string cdc_tx_publication = "syncline_tx_pub";
  // logical_decoding_work_mem of the replication connection (kB): a source transaction whose
  // decoded changes outgrow it is streamed before its commit (pgoutput proto 2), so its first
  // activity follows the commit closely, instead of Postgres decoding it whole at the commit.
  int cdc_decoding_work_mem_kb = 16384;
  // DESIGN §18: how much of the activity log the active worker keeps ("30d", "200000"; ""
  // keeps everything); cdc/retention.h parses it.
  std::string activity_retention;
  // DESIGN §18: a source transaction changing more rows than this of one (org, type) is logged
  // as one `refetch` activity (clients re-snapshot the type) instead of one per row; 0: never.
  std::size_t bulk_threshold = 10'000;
  // DESIGN §21: the text-merge history's values kept per org, in stored bytes (older values go,
  // their hashes stay); entities/history_bound.h.
  std::int64_t history_bytes_per_org = 256ll << 20;
};

}  // namespace syncline
