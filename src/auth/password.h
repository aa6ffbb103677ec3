// Password hashing with argon2id at libsodium's interactive limits (≈0.1 s, 64 MiB).
// CPU-heavy: call only from worker threads, never from an event-loop thread. At most
// kConcurrentHashes run at once and at most kMaxWaiting more wait; past that the call throws
// ApiError 429 RATE_LIMITED at once, so a flood of sign-ins cannot occupy every worker
// thread (and their database connections) or memory.
#pragma once

#include <string>

namespace syncline::auth {

inline constexpr int kConcurrentHashes = 2;
inline constexpr int kMaxWaiting = 6;

std::string hash_password(const std::string& password);
bool verify_password(const std::string& stored_hash, const std::string& password);
// Spends the same time as a verify; used when the user does not exist so that sign-in
// timing does not reveal which emails are registered.
void burn_verify_time(const std::string& password);

}  // namespace syncline::auth
