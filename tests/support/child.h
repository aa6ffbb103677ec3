// A child process driven over pipes: the test writes command lines to its stdin and waits for
// lines on its stdout (collected by a reader thread). Used for client processes that must
// really be separate (kill -9, several processes sharing one data dir). The destructor kills
// (SIGKILL) and reaps it.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace syncline::test {

class Child {
 public:
  explicit Child(const std::vector<std::string>& argv);
  ~Child();
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  pid_t pid() const { return pid_; }
  void send(const std::string& line);
  // The first line (from `from` on) starting with `prefix`, waiting up to `deadline`.
  std::optional<std::string> wait_line(
      const std::string& prefix, std::chrono::milliseconds deadline = std::chrono::seconds(10),
      std::size_t from = 0);
  // Whether a line containing `text` arrives within `deadline` (prompts share lines).
  bool wait_contains(const std::string& text,
                     std::chrono::milliseconds deadline = std::chrono::seconds(10));
  // Sends `command` and returns the answer line starting with `prefix` (after the command).
  std::string ask(const std::string& command, const std::string& prefix);
  std::vector<std::string> lines() const;
  void kill9();  // SIGKILL and reap

 private:
  pid_t pid_ = -1;
  int in_ = -1, out_ = -1;
  mutable std::mutex mu_;
  std::vector<std::string> lines_;
  std::thread reader_;
};

}  // namespace syncline::test
