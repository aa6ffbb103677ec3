// Runtime configuration: flags override SYNCLINE_* environment variables, which override
// defaults. Filled by main.cpp; read-only afterwards.
#pragma once

#include <cstddef>
#include <string>

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
  // CDC worker (DESIGN §5).
  std::string cdc_slot = "syncline_slot";
  std::string cdc_publication = "syncline_pub";
  std::string cdc_tx_publication = "syncline_tx_pub";
};

}  // namespace syncline
