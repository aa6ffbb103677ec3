#include "support/cluster.h"

#include <algorithm>

#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <stdexcept>
#include <thread>

namespace syncline::test {

namespace fs = std::filesystem;

pid_t fork_child() {
  // A child forked by the main thread dies with the test binary: an orphan holding the test's
  // stdout would keep CTest waiting. (PDEATHSIG fires when the forking *thread* ends, so a
  // child forked by a short-lived test thread must not have it.)
  bool from_main_thread = gettid() == getpid();
  pid_t pid = fork();
  if (pid == 0 && from_main_thread) prctl(PR_SET_PDEATHSIG, SIGKILL);
  return pid;
}

// In a forked child, before exec: tests sign up hundreds of users from 127.0.0.1 on one node,
// far past the per-address sign-up bucket (SEC-050); nodes get a wide one unless the test's
// environment or its arguments (front_door_test) say otherwise. (A variable would win over
// the flag: it is set only when the flag is absent.)
void relax_sign_up_burst(const std::vector<std::string>& argv) {
  for (auto [flag, variable] : {std::pair{"--sign-up-burst", "SYNCLINE_SIGN_UP_BURST"},
                                {"--sign-ups-per-hour", "SYNCLINE_SIGN_UPS_PER_HOUR"}})
    if (std::find(argv.begin(), argv.end(), flag) == argv.end())
      setenv(variable, "1000000", /*overwrite=*/0);
}

void exec_argv(const std::vector<std::string>& argv) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  execvp(args[0], args.data());
  _exit(127);
}

int run_command(const std::vector<std::string>& argv, std::string* out) {
  int pipefd[2];
  if (pipe(pipefd) != 0) throw std::runtime_error("pipe failed");
  std::fflush(nullptr);
  pid_t pid = fork_child();
  if (pid == 0) {
    dup2(pipefd[1], STDOUT_FILENO);
    close(pipefd[0]);
    close(pipefd[1]);
    exec_argv(argv);
  }
  close(pipefd[1]);
  std::string captured;
  char buf[4096];
  ssize_t n;
  while ((n = read(pipefd[0], buf, sizeof buf)) > 0) captured.append(buf, static_cast<size_t>(n));
  close(pipefd[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (out) *out = captured;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::string make_temp_dir(const std::string& prefix) {
  std::string tmpl = "/tmp/" + prefix + "-XXXXXX";
  if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
  chmod(tmpl.c_str(), 0755);
  return tmpl;
}

unsigned short free_loopback_port() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  close(fd);
  return ntohs(a.sin_port);
}

Cluster::Cluster() : dir_(make_temp_dir("syncline-test-pg")) {
  setenv("SYNCLINE_PG_FSYNC", "off", 1);
  std::string out;
  if (run_command({SYNCLINE_SOURCE_DIR "/scripts/pg", "start", dir_}, &out) != 0)
    throw std::runtime_error("scripts/pg start failed in " + dir_);
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  url_ = out;
}

void Cluster::restart() {
  run_command({SYNCLINE_SOURCE_DIR "/scripts/pg", "stop", dir_});
  std::string out;
  if (run_command({SYNCLINE_SOURCE_DIR "/scripts/pg", "start", dir_}, &out) != 0)
    throw std::runtime_error("scripts/pg restart failed");
}

Cluster::~Cluster() {
  run_command({SYNCLINE_SOURCE_DIR "/scripts/pg", "stop", dir_});
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

Server::Server(const std::string& database_url, const std::string& mode,
               std::vector<std::string> extra_args)
    : dir_(make_temp_dir("syncline-test-srv")) {
  if (run_command(
          {SYNCLINE_BINARY, "--database-url", database_url, "--log-level", "warn", "migrate"}) != 0)
    throw std::runtime_error("syncline migrate failed");
  // The demo's pages and attachments are app tables (ADOPT-001): its schema creates them.
  if (run_command({SYNCLINE_BINARY, "--database-url", database_url, "--log-level", "warn", "schema",
                   "apply"}) != 0)
    throw std::runtime_error("syncline schema apply failed");
  auto port_file = dir_ + "/port";
  // A --listen among extra_args (a node restarted on its port behind a balancer) replaces
  // the free port.
  const bool listens =
      std::find(extra_args.begin(), extra_args.end(), "--listen") != extra_args.end();
  std::vector<std::string> argv{SYNCLINE_BINARY, "--database-url", database_url,
                                "--log-level",   "warn",           mode,
                                "--port-file",   port_file};
  if (!listens) argv.insert(argv.end(), {"--listen", "127.0.0.1:0"});
  for (auto& a : extra_args) argv.push_back(std::move(a));
  std::fflush(nullptr);
  pid_ = fork_child();
  if (pid_ == 0) {
    relax_sign_up_burst(argv);
    exec_argv(argv);
  }
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    std::ifstream f(port_file);
    unsigned p = 0;
    if (f >> p && p > 0) {
      port_ = static_cast<unsigned short>(p);
      return;
    }
    int status;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error("syncline server exited during start-up");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  throw std::runtime_error("syncline server did not start within 30 s");
}

int Server::stop() {
  if (pid_ <= 0) return -1;
  kill(pid_, SIGTERM);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

Server::~Server() {
  stop();
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

Process::Process(const std::string& database_url, std::vector<std::string> args)
    : dir_(make_temp_dir("syncline-test-proc")) {
  std::vector<std::string> argv{SYNCLINE_BINARY, "--database-url", database_url};
  for (auto& a : args) argv.push_back(std::move(a));
  auto log_path = dir_ + "/log";
  std::fflush(nullptr);  // the child must not flush our buffered output a second time
  pid_ = fork_child();
  if (pid_ == 0) {
    FILE* f = freopen(log_path.c_str(), "w", stdout);
    (void)f;
    dup2(STDOUT_FILENO, STDERR_FILENO);
    relax_sign_up_burst(argv);
    exec_argv(argv);
  }
}

bool Process::running() {
  if (pid_ <= 0) return false;
  int status;
  if (waitpid(pid_, &status, WNOHANG) == pid_) {
    pid_ = -1;
    return false;
  }
  return true;
}

int Process::signal_and_wait(int sig) {
  if (pid_ <= 0) return -1;
  kill(pid_, sig);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::string Process::log() const {
  std::ifstream f(dir_ + "/log");
  return std::string(std::istreambuf_iterator<char>(f), {});
}

Process::~Process() {
  if (pid_ > 0) {
    kill(pid_, SIGTERM);
    for (int i = 0; i < 200 && running(); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (pid_ > 0) signal_and_wait(SIGKILL);
  }
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

}  // namespace syncline::test
