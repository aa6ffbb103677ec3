// Test fixtures over real processes: a private Postgres cluster started by scripts/pg in
// its own temp dir, and the syncline binary serving on a free port. Each is stopped (by
// pid / pg_ctl) and its directory removed by the destructor of the object that started it.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace syncline::test {

// fork(); a child of the main thread is killed when the test binary dies.
pid_t fork_child();
// In a forked child: replaces it with argv (exit 127 when that fails).
[[noreturn]] void exec_argv(const std::vector<std::string>& argv);

// Runs a command, returns its exit status; stdout captured into *out when given.
int run_command(const std::vector<std::string>& argv, std::string* out = nullptr);

class Cluster {
 public:
  Cluster();  // init + start; throws on failure
  ~Cluster();
  Cluster(const Cluster&) = delete;
  Cluster& operator=(const Cluster&) = delete;
  const std::string& url() const { return url_; }
  const std::string& dir() const { return dir_; }
  void restart();

 private:
  std::string dir_;
  std::string url_;
};

class Server {
 public:
  // Runs `syncline migrate` once, then `syncline <mode> --listen 127.0.0.1:0` (or the
  // --listen among extra_args).
  explicit Server(const std::string& database_url, const std::string& mode = "serve",
                  std::vector<std::string> extra_args = {});
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;
  unsigned short port() const { return port_; }
  pid_t pid() const { return pid_; }
  // SIGTERM and wait; returns the exit status.
  int stop();

 private:
  std::string dir_;
  pid_t pid_ = -1;
  unsigned short port_ = 0;
};

// Any syncline subcommand as a child process (e.g. `cdc`), stdout+stderr to a log file.
// The destructor kills it (SIGKILL if SIGTERM did not end it within 10 s) and reaps it.
class Process {
 public:
  Process(const std::string& database_url, std::vector<std::string> args);
  ~Process();
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;
  pid_t pid() const { return pid_; }
  bool running();
  // Sends the signal and waits for the exit; returns the exit status (128+sig if killed).
  int signal_and_wait(int sig);
  std::string log() const;

 private:
  std::string dir_;
  pid_t pid_ = -1;
};

// Directory under /tmp reachable by the postgres OS user.
std::string make_temp_dir(const std::string& prefix);
// A loopback port nobody listens on now (the kernel's choice for port 0), for a child process
// that binds it right after (nginx).
unsigned short free_loopback_port();

}  // namespace syncline::test
