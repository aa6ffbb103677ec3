// syncline-cli sync --org ORG (DESIGN §18): hydrates this machine's copy of an organization
// from a snapshot (or catches it up from its stored offset) and exits; progress on stderr when
// it is a terminal; then one line with the rows held and the seconds it took.
#pragma once

#include <string>

#include "syncline/client.h"

// Exit status: 0 synced; 1 not within `timeout_s` (the server unreachable, refused, …).
int run_sync(syncline::client::ClientOptions options, const std::string& org, int timeout_s);
