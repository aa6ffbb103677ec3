// Each account's sign-in record in Postgres (SEC-050), so a backoff holds on every node and
// across restarts (auth/sign_in_limits.h decides from it). An account is its user id once the
// account exists, else "email:" + the address as Postgres' lower() folds it: the users table's
// citext folds the same way, so a variant spelling (K, U+212A) is the account it finds, not
// three more free guesses. Rows of addresses without an account are pruned after an hour.
#pragma once

#include <optional>
#include <string>

#include "auth/sign_in_limits.h"
#include "db/connection.h"

namespace syncline::auth {

struct SignInAccount {
  std::string key;
  AccountRecord record;
};

// user_id: the account's id when the email has one.
SignInAccount load_sign_in_account(db::Connection& c, const std::optional<std::string>& user_id,
                                   const std::string& email);
// The attempt's outcome, atomically on the row (attempts racing on several nodes all count): a
// success resets the failures and puts the address first among the known; a failure from an
// address the account does not know counts.
void record_sign_in(db::Connection& c, const std::string& key, const std::string& address,
                    bool success);

}  // namespace syncline::auth
