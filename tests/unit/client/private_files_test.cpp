// SEC-048: the native client's data dir, cache, lock and socket are private to the user, and
// what another uid owns is refused. Cases that need a second uid run as root (CI does) and
// fail loudly otherwise rather than pass without checking.
#include <gtest/gtest.h>

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>

#include "private_files.h"  // client/src: internal to the library
#include "temp_db.h"

namespace syncline::client {

namespace {
constexpr uid_t kOtherUid = 65534;  // nobody

// A Unix socket bound at `path` (and its address, for connecting).
int bound_unix_socket(const std::string& path, sockaddr_un& a) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  a = {};
  a.sun_family = AF_UNIX;
  std::strcpy(a.sun_path, path.c_str());
  EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0) << path;
  return fd;
}

mode_t mode_of(const std::string& p) {
  struct stat st {};
  EXPECT_EQ(::lstat(p.c_str(), &st), 0) << p;
  return st.st_mode & 0777;
}
}  // namespace

TEST(PrivateFiles, DirAndFilesAreMadePrivateSEC048) {
  TempDb t;
  auto dir = t.dir + "/a/b";
  make_private_dir(dir);
  EXPECT_EQ(mode_of(dir), 0700u);
  ::chmod(dir.c_str(), 0755);
  make_private_dir(dir);  // an existing dir of ours is tightened
  EXPECT_EQ(mode_of(dir), 0700u);
  auto file = dir + "/cache.db";
  make_private_file(file);
  EXPECT_EQ(mode_of(file), 0600u);
  ::chmod(file.c_str(), 0644);
  make_private_file(file);
  EXPECT_EQ(mode_of(file), 0600u);
  // A symlink planted in place of a file is not followed.
  auto link = dir + "/planted";
  ASSERT_EQ(::symlink(file.c_str(), link.c_str()), 0);
  EXPECT_THROW(make_private_file(link), std::runtime_error);
}

TEST(PrivateFiles, WhatAnotherUserOwnsIsRefusedSEC048) {
  ASSERT_EQ(geteuid(), 0u) << "needs root to create files of another uid";
  TempDb t;
  auto dir = t.dir + "/theirs";
  ASSERT_EQ(::mkdir(dir.c_str(), 0700), 0);
  ASSERT_EQ(::chown(dir.c_str(), kOtherUid, kOtherUid), 0);
  EXPECT_THROW(make_private_dir(dir), std::runtime_error);
  auto lock = t.dir + "/app-sync-leader.lock";
  make_private_file(lock);
  ASSERT_EQ(::chown(lock.c_str(), kOtherUid, kOtherUid), 0);
  EXPECT_THROW(make_private_file(lock, true), std::runtime_error);
  auto sock = t.dir + "/app-sync.sock";
  sockaddr_un a;
  int fd = bound_unix_socket(sock, a);
  EXPECT_TRUE(owned_socket(sock));
  ASSERT_EQ(::chown(sock.c_str(), kOtherUid, kOtherUid), 0);
  EXPECT_FALSE(owned_socket(sock));  // a follower will not connect to it
  ::close(fd);
}

TEST(PrivateFiles, PeersOfAnotherUidAreToldApartSEC048) {
  int pair[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, pair), 0);
  EXPECT_TRUE(peer_is_same_user(pair[0]));
  ::close(pair[0]);
  ::close(pair[1]);
  ASSERT_EQ(geteuid(), 0u) << "needs root to connect as another uid";
  TempDb t;
  ::chmod(t.dir.c_str(), 0755);
  auto path = t.dir + "/open.sock";
  sockaddr_un a;
  int listener = bound_unix_socket(path, a);
  ::chmod(path.c_str(), 0777);  // as if someone left it open: the credential check still holds
  ASSERT_EQ(::listen(listener, 1), 0);
  pid_t pid = fork();
  if (pid == 0) {
    if (::setuid(kOtherUid) != 0) _exit(2);
    int c = ::socket(AF_UNIX, SOCK_STREAM, 0);
    _exit(::connect(c, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 ? 0 : 3);
  }
  int conn = ::accept(listener, nullptr, nullptr);
  ASSERT_GE(conn, 0);
  EXPECT_FALSE(peer_is_same_user(conn));
  int status = 0;
  ::waitpid(pid, &status, 0);
  EXPECT_EQ(WEXITSTATUS(status), 0);
  ::close(conn);
  ::close(listener);
}

}  // namespace syncline::client
