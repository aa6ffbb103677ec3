#include "cdc/spill.h"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

#include <atomic>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <stdexcept>
#include <string>

#include "common/json_parse.h"
#include "wire/activity.h"

namespace syncline::cdc {

namespace json = boost::json;

namespace {
std::atomic<std::uint64_t> next_file{0};

// One activity per line, the record's own JSON form (wire/activity.h) with its subtransaction:
// {"x": subxid, "a": {…}} (json_text() never writes a raw newline).
std::string line_of(std::uint32_t subxid, const PendingActivity& a) {
  return "{\"x\":" + std::to_string(subxid) + ",\"a\":" + wire::to_json(a) + "}";
}
}  // namespace

std::size_t remove_orphaned_spill_files(const std::filesystem::path& dir) {
  static const std::string prefix = "syncline-cdc-";
  std::size_t removed = 0;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    const auto name = e.path().filename().string();
    if (name.rfind(prefix, 0) != 0) continue;
    const auto pid = std::strtol(name.c_str() + prefix.size(), nullptr, 10);
    if (pid <= 0 || (kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH)) {
      std::error_code rm;
      removed += std::filesystem::remove(e.path(), rm) ? 1 : 0;
    }
  }
  return removed;
}

SpilledTransaction::SpilledTransaction(std::uint32_t xid)
    : path_(std::filesystem::temp_directory_path() /
            ("syncline-cdc-" + std::to_string(getpid()) + "-" + std::to_string(xid) + "-" +
             std::to_string(next_file++))) {
  out_.open(path_, std::ios::binary | std::ios::trunc);
  if (!out_) throw std::runtime_error("cannot create the spill file " + path_.string());
}

SpilledTransaction::~SpilledTransaction() {
  out_.close();
  in_.close();
  std::error_code ec;
  std::filesystem::remove(path_, ec);
}

void SpilledTransaction::append(std::uint32_t subxid, const PendingActivity& a) {
  out_ << line_of(subxid, a) << '\n';
  if (!out_) throw std::runtime_error("cannot write the spill file " + path_.string());
  ++appended_;
  counts_.add(subxid, a);
}

std::vector<PendingActivity> SpilledTransaction::next(std::size_t max, Lsn lsn) {
  if (out_.is_open()) {
    out_.close();
    if (out_.fail()) throw std::runtime_error("cannot write the spill file " + path_.string());
    in_.open(path_, std::ios::binary);
    if (!in_) throw std::runtime_error("cannot read the spill file " + path_.string());
  }
  std::vector<PendingActivity> out;
  std::string line;
  while (out.size() < max && std::getline(in_, line)) {
    auto o = parse_json(line).as_object();  // our own file: a parse error is a bug, thrown
    if (aborted_.count(static_cast<std::uint32_t>(o.at("x").to_number<std::int64_t>()))) continue;
    auto read = wire::read_activity(o.at("a").as_object(), false);
    if (!read) throw std::runtime_error("a malformed line in the spill file " + path_.string());
    PendingActivity a;
    static_cast<wire::Activity&>(a) = std::move(*read);
    a.lsn = lsn;
    a.seq = seq_++;
    out.push_back(std::move(a));
  }
  return out;
}

}  // namespace syncline::cdc
