// The native client's local files are private to the user running it (SEC-048): the data dir
// is 0700 and owned by that user, the cache (and SQLite's -wal/-shm, which inherit the mode of
// the database file), the leader lock and the machine socket are 0600; a file or directory
// owned by another uid is refused rather than trusted (another local user could read the
// cache or pose as the leader). The Unix socket's peers are checked with SO_PEERCRED.
// Internal to the client library. Throws std::runtime_error with a sentence naming the path.
#pragma once

#include <string>

namespace syncline::client {

// Creates the directory (and missing parents) or takes an existing one: it must be a directory
// owned by this user (not a symlink); it is made 0700.
void make_private_dir(const std::string& dir);
// Creates the file (0600) if missing; an existing one must be a regular file owned by this
// user, and is made 0600. Returns an open descriptor when keep_open, else -1.
int make_private_file(const std::string& path, bool keep_open = false);
// After bind(): the socket file becomes 0600.
void make_private_socket(const std::string& path);
// A socket path that exists must be a socket owned by this user (before connecting to it).
bool owned_socket(const std::string& path);
// The process at the other end of a connected Unix socket runs as this user.
bool peer_is_same_user(int fd);

}  // namespace syncline::client
