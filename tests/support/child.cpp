#include "support/child.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <stdexcept>

#include "support/cluster.h"

namespace syncline::test {

Child::Child(const std::vector<std::string>& argv) {
  std::signal(SIGPIPE, SIG_IGN);  // a dead child's stdin fails the write, not the test binary
  int to[2], from[2];
  if (pipe(to) != 0 || pipe(from) != 0) throw std::runtime_error("pipe failed");
  std::fflush(nullptr);
  pid_ = fork_child();
  if (pid_ == 0) {
    dup2(to[0], STDIN_FILENO);
    dup2(from[1], STDOUT_FILENO);
    for (int fd : {to[0], to[1], from[0], from[1]}) close(fd);
    exec_argv(argv);
  }
  close(to[0]);
  close(from[1]);
  in_ = to[1];
  out_ = from[0];
  reader_ = std::thread([this] {
    std::string buffer;
    char chunk[4096];
    ssize_t n;
    while ((n = read(out_, chunk, sizeof chunk)) > 0) {
      buffer.append(chunk, static_cast<std::size_t>(n));
      for (auto nl = buffer.find('\n'); nl != std::string::npos; nl = buffer.find('\n')) {
        std::lock_guard lock(mu_);
        lines_.push_back(buffer.substr(0, nl));
        buffer.erase(0, nl + 1);
      }
    }
  });
}

Child::~Child() {
  kill9();
}

void Child::kill9() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
  }
  if (in_ >= 0) close(in_);
  in_ = -1;
  if (reader_.joinable()) reader_.join();
  if (out_ >= 0) close(out_);
  out_ = -1;
}

void Child::send(const std::string& line) {
  std::string s = line + "\n";
  if (in_ < 0 || write(in_, s.data(), s.size()) != static_cast<ssize_t>(s.size()))
    throw std::runtime_error("child stdin closed");
}

std::optional<std::string> Child::wait_line(const std::string& prefix,
                                            std::chrono::milliseconds deadline, std::size_t from) {
  auto until = std::chrono::steady_clock::now() + deadline;
  do {
    {
      std::lock_guard lock(mu_);
      for (std::size_t i = from; i < lines_.size(); ++i)
        if (lines_[i].rfind(prefix, 0) == 0) return lines_[i];
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  } while (std::chrono::steady_clock::now() < until);
  return std::nullopt;
}

bool Child::wait_contains(const std::string& text, std::chrono::milliseconds deadline) {
  auto until = std::chrono::steady_clock::now() + deadline;
  do {
    {
      std::lock_guard lock(mu_);
      for (const auto& l : lines_)
        if (l.find(text) != std::string::npos) return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  } while (std::chrono::steady_clock::now() < until);
  return false;
}

std::string Child::ask(const std::string& command, const std::string& prefix) {
  std::size_t from;
  {
    std::lock_guard lock(mu_);
    from = lines_.size();
  }
  send(command);
  auto line = wait_line(prefix, std::chrono::seconds(10), from);
  if (!line) throw std::runtime_error("no '" + prefix + "' answer to '" + command + "'");
  return line->substr(prefix.size());
}

std::vector<std::string> Child::lines() const {
  std::lock_guard lock(mu_);
  return lines_;
}

}  // namespace syncline::test
