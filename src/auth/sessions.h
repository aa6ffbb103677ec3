// Sessions: opaque bearer tokens (also sent as the `syncline_session` cookie). Only the
// token's BLAKE2b hash is stored, so a database leak does not leak live sessions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "db/connection.h"

namespace syncline::auth {

inline constexpr const char* kSessionCookie = "syncline_session";

struct Principal {
  std::string user_id;
  std::string email;
  std::string name;
  bool system_admin = false;
  // External identity (a verified JWT, auth/jwt.h): no session row; the token's memberships
  // and expiry (Unix seconds) stand in for the memberships table and the session's expiry.
  bool external = false;
  std::string subject;  // the token's `sub`, as issued (user_id is derived from it)
  std::int64_t expires_at = 0;
  std::vector<std::pair<std::string, std::string>> org_roles;  // org id → "admin" | "member"
};

// The principal of an unexpired session, or nullopt.
std::optional<Principal> lookup_session(db::Connection& c, const std::string& token);
// Creates a session for the user; returns the token (shown once, never stored).
std::string create_session(db::Connection& c, const std::string& user_id, int days);
// Deletes the session of this token; true when one existed.
bool delete_session(db::Connection& c, const std::string& token);

}  // namespace syncline::auth
