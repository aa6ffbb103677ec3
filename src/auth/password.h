// Password hashing with argon2id at libsodium's interactive limits (≈0.1 s, 64 MiB).
// CPU-heavy: call only from worker threads, never from an event-loop thread.
#pragma once

#include <string>

namespace syncline::auth {

std::string hash_password(const std::string& password);
bool verify_password(const std::string& stored_hash, const std::string& password);
// Spends the same time as a verify; used when the user does not exist so that sign-in
// timing does not reveal which emails are registered.
void burn_verify_time(const std::string& password);

}  // namespace syncline::auth
