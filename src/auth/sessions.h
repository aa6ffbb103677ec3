// Sessions: opaque bearer tokens (also sent as the `syncline_session` cookie). Only the
// token's BLAKE2b hash is stored, so a database leak does not leak live sessions.
#pragma once

#include <optional>
#include <string>

#include "db/connection.h"

namespace syncline::auth {

inline constexpr const char* kSessionCookie = "syncline_session";

struct Principal {
  std::string user_id;
  std::string email;
  std::string name;
  bool system_admin = false;
};

// The principal of an unexpired session, or nullopt.
std::optional<Principal> lookup_session(db::Connection& c, const std::string& token);
// Creates a session for the user; returns the token (shown once, never stored).
std::string create_session(db::Connection& c, const std::string& user_id, int days);
// Deletes the session of this token; true when one existed.
bool delete_session(db::Connection& c, const std::string& token);

}  // namespace syncline::auth
