#include "private_files.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>

namespace syncline::client {

namespace {
[[noreturn]] void refuse(const std::string& path, const std::string& why) {
  throw std::runtime_error(path + ": " + why);
}

void check_owner(const struct stat& st, const std::string& path) {
  if (st.st_uid != geteuid())
    refuse(path,
           "owned by another user (uid " + std::to_string(st.st_uid) + "); refusing to use it");
}
}  // namespace

void make_private_dir(const std::string& dir) {
  auto parent = std::filesystem::path(dir).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent);
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
    refuse(dir, std::string("cannot create: ") + std::strerror(errno));
  struct stat st {};
  if (::lstat(dir.c_str(), &st) != 0) refuse(dir, std::strerror(errno));
  if (!S_ISDIR(st.st_mode)) refuse(dir, "not a directory");
  check_owner(st, dir);
  if ((st.st_mode & 0777) != 0700 && ::chmod(dir.c_str(), 0700) != 0)
    refuse(dir, std::string("cannot make private: ") + std::strerror(errno));
}

int make_private_file(const std::string& path, bool keep_open) {
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) refuse(path, std::string("cannot open: ") + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    refuse(path, "not a regular file");
  }
  try {
    check_owner(st, path);
  } catch (...) {
    ::close(fd);
    throw;
  }
  if ((st.st_mode & 0777) != 0600) ::fchmod(fd, 0600);
  if (keep_open) return fd;
  ::close(fd);
  return -1;
}

void make_private_socket(const std::string& path) {
  if (::chmod(path.c_str(), 0600) != 0)
    refuse(path, std::string("cannot make private: ") + std::strerror(errno));
}

bool owned_socket(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return errno == ENOENT;  // nothing there yet
  return S_ISSOCK(st.st_mode) && st.st_uid == geteuid();
}

bool peer_is_same_user(int fd) {
  ucred cred{};
  socklen_t len = sizeof cred;
  return ::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0 && cred.uid == geteuid();
}

}  // namespace syncline::client
