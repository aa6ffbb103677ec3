// A temporary directory holding a client database file, removed with the object.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <string>

namespace syncline::client {

struct TempDb {
  std::string dir;
  TempDb() {
    char tmpl[] = "/tmp/syncline-client-db-XXXXXX";
    dir = mkdtemp(tmpl);
  }
  ~TempDb() { std::filesystem::remove_all(dir); }
  TempDb(const TempDb&) = delete;
  TempDb& operator=(const TempDb&) = delete;
  std::string path() const { return dir + "/cache.db"; }
};

}  // namespace syncline::client
