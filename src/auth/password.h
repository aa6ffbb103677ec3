// Password hashing with argon2id at libsodium's interactive limits (≈0.1 s, 64 MiB).
// CPU-heavy and it may wait: call it from the password lane's threads (http/password_lane.h:
// never the handler threads other routes share, SEC-050) or a command, never an event loop.
// Every call takes a turn at the HashGate for its client key (fair across addresses, bounded
// waiting, 429 beyond: SEC-041), so a flood of sign-ins cannot hold database connections or
// memory, nor keep other addresses out. `client` is the caller's key (http/client_address.h
// client_key; "" for local commands).
#pragma once

#include <string>

#include "common/error.h"

namespace syncline::auth {

// Each is 429 RATE_LIMITED (a value) when the gate refused the turn.
Result<std::string> hash_password(const std::string& password, const std::string& client = "");
Result<bool> verify_password(const std::string& stored_hash, const std::string& password,
                             const std::string& client = "");
// Spends the same time as a verify; used when the user does not exist so that sign-in
// timing does not reveal which emails are registered.
Result<void> burn_verify_time(const std::string& password, const std::string& client = "");

}  // namespace syncline::auth
