// Users: sign-up validation and storage. Emails are case-insensitive (citext).
#pragma once

#include <boost/json/object.hpp>
#include <optional>
#include <string>

#include "common/error.h"
#include "db/connection.h"

namespace syncline::auth {

struct NewUser {
  std::string email;
  std::string password;
  std::string name;
  bool system_admin = false;
};

struct User {
  std::string id;
  std::string email;
  std::string name;
  std::string role;  // 'user' | 'admin'
  std::string created_at;
  boost::json::object to_json() const;
};

// Validates {email, password, name} (400 on bad input, unknown fields rejected).
// One '@' with something on both sides and no whitespace: the only check an address gets (it is
// never verified here, SEC-050).
bool plausible_email(const std::string& e);
Result<NewUser> parse_new_user(const boost::json::object& body);
// Inserts the user with a password hash from hash_password() (computed by the caller before
// it takes a database connection); 409 EMAIL_TAKEN when the email exists.
Result<User> create_user(db::Connection& c, const NewUser& u, const std::string& password_hash);
std::optional<User> find_user_by_id(db::Connection& c, const std::string& id);
// Whether an account has this email (compared as create_user's unique key does).
bool email_taken(db::Connection& c, const std::string& email);
// The user and stored password hash for sign-in.
std::optional<std::pair<User, std::string>> find_user_for_sign_in(db::Connection& c,
                                                                  const std::string& email);

}  // namespace syncline::auth
