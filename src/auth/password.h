// Password hashing with argon2id at libsodium's interactive limits (≈0.1 s, 64 MiB).
// CPU-heavy: call only from worker threads, never from an event-loop thread. Every call takes
// a turn at the HashGate for its client address (fair across addresses, bounded waiting, 429
// beyond: SEC-041), so a flood of sign-ins cannot occupy every worker thread, their database
// connections or memory, nor keep other addresses out. `client` is the caller's address ("" for
// local commands).
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
