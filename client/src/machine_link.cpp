#include "machine_link.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <poll.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <stdexcept>
#include <vector>

#include "common/json_parse.h"
#include "common/json_text.h"
#include "private_files.h"

namespace syncline::client {

namespace json = boost::json;
using namespace std::chrono_literals;

namespace {
constexpr std::size_t kRing = 10'000;  // messages a late follower can be given

bool send_all(int fd, const std::string& s) {
  std::size_t off = 0;
  while (off < s.size()) {
    auto n = ::send(fd, s.data() + off, s.size() - off, MSG_NOSIGNAL);
    if (n <= 0) return false;
    off += static_cast<std::size_t>(n);
  }
  return true;
}

sockaddr_un address(const std::string& path) {
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  if (path.size() >= sizeof a.sun_path) throw std::runtime_error("socket path too long: " + path);
  std::memcpy(a.sun_path, path.c_str(), path.size() + 1);
  return a;
}

// Where this machine link's socket lives. A Unix socket path holds at most 107 bytes: the data
// dir's own path when it fits; else a private runtime dir ($XDG_RUNTIME_DIR, or
// /tmp/syncline-<uid>, made 0700 and checked to be ours) with a name every process of the same
// data dir and app derives alike (SHA-256 of both), so a long data dir never stops the client.
std::string socket_path_for(const std::string& dir, const std::string& app) {
  std::string own = dir + "/" + app + "-sync.sock";
  if (own.size() < sizeof(sockaddr_un{}.sun_path)) return own;
  const char* runtime = std::getenv("XDG_RUNTIME_DIR");
  std::string base = runtime && *runtime && std::strlen(runtime) < 64
                         ? std::string(runtime) + "/syncline"
                         : "/tmp/syncline-" + std::to_string(::geteuid());
  make_private_dir(base);
  const std::string key = dir + "\n" + app;
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(key.data(), key.size(), digest, &n, EVP_sha256(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string name;
  for (unsigned int i = 0; i < 12; ++i) {
    name += kHex[digest[i] >> 4];
    name += kHex[digest[i] & 15];
  }
  return base + "/" + name + ".sock";
}

// Splits complete lines off `buffer`; calls f(line) for each.
template <class F>
void lines(std::string& buffer, F f) {
  for (auto nl = buffer.find('\n'); nl != std::string::npos; nl = buffer.find('\n')) {
    std::string line = buffer.substr(0, nl);
    buffer.erase(0, nl + 1);
    f(line);
  }
}

std::optional<json::object> parse(const std::string& line) {
  boost::system::error_code ec;
  auto v = parse_json(line, ec);
  if (ec || !v.is_object()) return std::nullopt;
  return std::move(v.as_object());
}
}  // namespace

MachineLink::MachineLink(std::string dir, std::string app, int priority, Hooks hooks)
    : dir_(std::move(dir)),
      app_(std::move(app)),
      lock_path_(dir_ + "/" + app_ + "-sync-leader.lock"),
      socket_path_(socket_path_for(dir_, app_)),
      priority_(priority),
      hooks_(std::move(hooks)) {
  address(socket_path_);  // fail early on a path too long for a Unix socket
}

MachineLink::~MachineLink() {
  stop();
}

void MachineLink::start() {
  election_ = std::thread([this] { elect(); });
}

void MachineLink::stop() {
  stop_ = true;
  {
    std::lock_guard lock(send_mu_);  // the fd cannot be closed (and reused) meanwhile
    if (int fd = follower_fd_.load(); fd >= 0) ::shutdown(fd, SHUT_RDWR);
  }
  if (election_.joinable()) election_.join();
  if (server_.joinable()) server_.join();
  if (leader_) {
    ::unlink(socket_path_.c_str());  // still holding the lock: it is ours to remove
    ::close(listen_fd_);
    listen_fd_ = -1;
  }
  if (lock_fd_ >= 0) ::close(lock_fd_);  // releases the lock: a follower takes over
  lock_fd_ = -1;
  leader_ = false;
}

bool MachineLink::try_lock() {
  if (lock_fd_ < 0) {
    try {
      lock_fd_ = make_private_file(lock_path_, true);  // another user's lock file is refused
    } catch (const std::exception& e) {
      std::cerr << "syncline client: " << e.what() << "\n";
      return false;
    }
  }
  return ::flock(lock_fd_, LOCK_EX | LOCK_NB) == 0;
}

void MachineLink::elect() {
  while (!stop_) {
    if (try_lock()) {
      ::unlink(socket_path_.c_str());  // a killed leader's file
      listen_fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
      auto a = address(socket_path_);
      // Made 0600 right after bind (inside the 0700 dir, nobody else can reach it meanwhile).
      bool bound =
          listen_fd_ >= 0 && ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
      if (bound) make_private_socket(socket_path_);
      if (!bound || ::listen(listen_fd_, 64) != 0) {
        std::cerr << "syncline client: cannot serve " << socket_path_ << ": "
                  << std::strerror(errno) << "\n";
        if (listen_fd_ >= 0) ::close(listen_fd_);
        listen_fd_ = -1;
        ::flock(lock_fd_, LOCK_UN);
        std::this_thread::sleep_for(1s);
        continue;
      }
      leader_ = true;
      server_ = std::thread([this] { serve(); });
      try {
        hooks_.lead();
      } catch (const std::exception& e) {
        // A leader that cannot stream hands over rather than holding the lock uselessly.
        std::cerr << "syncline client: leading failed, handing over: " << e.what() << "\n";
        stop_ = true;
        server_.join();
        ::unlink(socket_path_.c_str());
        ::close(listen_fd_);
        ::close(lock_fd_);
        listen_fd_ = lock_fd_ = -1;
        leader_ = false;
      }
      return;
    }
    bool was_following = follow();
    if (stop_) return;
    if (!was_following) {
      std::this_thread::sleep_for(50ms);  // no leader serving yet: try the lock again soon
    } else {
      if (hooks_.lost) hooks_.lost();
      // Prefer the highest live priority: the others give it a head start.
      if (priority_ < highest_other_priority_) std::this_thread::sleep_for(300ms);
    }
  }
}

bool MachineLink::follow() {
  // Only a leader of this user is followed: a socket file, or a peer, of another uid is not.
  if (!owned_socket(socket_path_)) {
    std::cerr << "syncline client: " << socket_path_ << " belongs to another user; not following\n";
    std::this_thread::sleep_for(1s);
    return false;
  }
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  auto a = address(socket_path_);
  if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    if (fd >= 0) ::close(fd);
    return false;  // no leader serving yet (or it just died): the caller retries the lock
  }
  if (!peer_is_same_user(fd)) {
    ::close(fd);
    return false;
  }
  follower_fd_ = fd;
  json::object hello{{"t", "hello"}, {"priority", priority_}, {"since", hooks_.since()}};
  {
    std::lock_guard lock(send_mu_);
    send_all(fd, json_text(hello) + "\n");
  }
  std::string buffer;
  char chunk[65536];
  while (!stop_) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 200) <= 0) continue;
    auto n = ::recv(fd, chunk, sizeof chunk, 0);
    if (n <= 0) break;
    buffer.append(chunk, static_cast<std::size_t>(n));
    lines(buffer, [&](const std::string& line) {
      auto msg = parse(line);
      if (!msg) return;
      if (auto* t = msg->if_contains("t"); t && *t == "peers") {
        int highest = 0;
        for (const auto& v : msg->at("priorities").as_array())
          if (v.is_int64()) highest = std::max(highest, static_cast<int>(v.as_int64()));
        highest_other_priority_ = highest;
        return;
      }
      hooks_.message(*msg);
    });
  }
  {
    std::lock_guard lock(send_mu_);  // stop() shuts it down under the same lock
    follower_fd_ = -1;
    ::close(fd);
  }
  return true;
}

void MachineLink::request_flush() {
  std::lock_guard lock(send_mu_);
  if (int fd = follower_fd_.load(); fd >= 0) send_all(fd, "{\"t\":\"flush\"}\n");
}

void MachineLink::request_shapes() {
  std::lock_guard lock(send_mu_);
  if (int fd = follower_fd_.load(); fd >= 0) send_all(fd, "{\"t\":\"shapes\"}\n");
}

void MachineLink::serve() {
  char chunk[65536];
  while (!stop_) {
    std::vector<pollfd> fds{{listen_fd_, POLLIN, 0}};
    {
      std::lock_guard lock(mu_);
      for (const auto& [fd, peer] : peers_) fds.push_back({fd, POLLIN, 0});
    }
    if (::poll(fds.data(), fds.size(), 100) <= 0) continue;
    if (fds[0].revents & POLLIN) {
      int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd >= 0 && !peer_is_same_user(fd)) {  // SEC-048: only this user's processes
        ::close(fd);
        fd = -1;
      }
      if (fd >= 0) {
        timeval timeout{2, 0};  // a stuck follower is dropped, not waited for
        ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
        std::lock_guard lock(mu_);
        peers_[fd] = Peer{};
      }
    }
    for (std::size_t i = 1; i < fds.size(); ++i) {
      if (!fds[i].revents) continue;
      int fd = fds[i].fd;
      auto n = ::recv(fd, chunk, sizeof chunk, 0);
      if (n <= 0) {
        std::lock_guard lock(mu_);
        peers_.erase(fd);
        ::close(fd);
        send_peers_locked();
        continue;
      }
      std::string buffer;
      {
        std::lock_guard lock(mu_);
        peers_[fd].buffer.append(chunk, static_cast<std::size_t>(n));
        buffer.swap(peers_[fd].buffer);
      }
      lines(buffer, [&](const std::string& line) { on_line(fd, line); });
      std::lock_guard lock(mu_);
      if (auto it = peers_.find(fd); it != peers_.end()) it->second.buffer = std::move(buffer);
    }
  }
  std::lock_guard lock(mu_);
  for (const auto& [fd, peer] : peers_) ::close(fd);
  peers_.clear();
}

void MachineLink::on_line(int fd, const std::string& line) {
  auto msg = parse(line);
  if (!msg) return;
  auto* t = msg->if_contains("t");
  if (t && *t == "flush") {
    hooks_.flush();
  } else if (t && *t == "shapes") {
    if (hooks_.shapes) hooks_.shapes();
  } else if (t && *t == "hello") {
    std::lock_guard lock(mu_);
    auto it = peers_.find(fd);
    if (it == peers_.end()) return;
    auto* p = msg->if_contains("priority");
    it->second.priority = p && p->is_int64() ? static_cast<int>(p->as_int64()) : 0;
    auto* s = msg->if_contains("since");
    std::int64_t since = s && s->is_int64() ? s->as_int64() : 0;
    bool ok = true;
    if (since < origin_) ok = send_all(fd, "{\"t\":\"reload\"}\n");
    for (const auto& [id, text] : ring_)
      if (id > since && ok) ok = send_all(fd, text);
    if (live_ && ok) ok = send_all(fd, "{\"t\":\"live\"}\n");
    if (!ok) ::shutdown(fd, SHUT_RDWR);
    it->second.joined = true;
    send_peers_locked();
    if (hooks_.shapes) hooks_.shapes();  // it may show a shape the stream does not carry yet
  }
}

void MachineLink::send_peers_locked() {
  json::array priorities;
  for (const auto& [fd, peer] : peers_)
    if (peer.joined) priorities.push_back(peer.priority);
  auto line = json_text(json::object{{"t", "peers"}, {"priorities", priorities}}) + "\n";
  for (const auto& [fd, peer] : peers_)
    if (peer.joined && !send_all(fd, line)) ::shutdown(fd, SHUT_RDWR);
}

void MachineLink::broadcast(const json::object& msg, std::optional<std::int64_t> activity_id) {
  auto line = json_text(msg) + "\n";
  std::lock_guard lock(mu_);
  if (activity_id) {
    ring_.emplace_back(*activity_id, line);
    if (ring_.size() > kRing) ring_.pop_front();
  }
  // A failed write shuts the socket down; the server thread sees it and forgets the peer.
  for (const auto& [fd, peer] : peers_)
    if (peer.joined && !send_all(fd, line)) ::shutdown(fd, SHUT_RDWR);
}

void MachineLink::set_offline() {
  {
    std::lock_guard lock(mu_);
    live_ = false;
  }
  broadcast(json::object{{"t", "offline"}});
}

void MachineLink::set_origin(std::int64_t id) {
  std::lock_guard lock(mu_);
  origin_ = id;
}

void MachineLink::set_live() {
  {
    std::lock_guard lock(mu_);
    live_ = true;
  }
  broadcast(json::object{{"t", "live"}});
}

}  // namespace syncline::client
