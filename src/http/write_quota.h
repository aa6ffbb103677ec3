// The per-org write quota (SEC-039): every mutation of an org spends a token of that org's
// bucket (`--org-write-rate` per second, bursts of twice that; 0 turns it off), so one tenant
// writing as fast as it can cannot take the node's CPU — and with it every other org's
// deliveries — for itself; beyond it, 429 RATE_LIMITED with Retry-After. Per node, in memory.
#pragma once

#include <string>

#include "common/config.h"
#include "common/error.h"

namespace syncline::http {

Result<void> admit_org_write(const Config& cfg, const std::string& org_id);

}  // namespace syncline::http
