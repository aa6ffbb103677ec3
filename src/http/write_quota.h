// The write quota (SEC-039, SEC-050): every mutation spends a token of its org's bucket and one
// of its user's (`--org-write-rate` per second each, bursts of twice that; 0 turns both off), so
// one tenant writing as fast as it can cannot take the node's CPU — and with it every other
// org's deliveries — for itself, and one user cannot multiply it by making orgs; beyond it, 429
// RATE_LIMITED with Retry-After. Per node, in memory.
#pragma once

#include <string>

#include "common/config.h"
#include "common/error.h"

namespace syncline::http {

Result<void> admit_write(const Config& cfg, const std::string& org_id, const std::string& user_id);

}  // namespace syncline::http
