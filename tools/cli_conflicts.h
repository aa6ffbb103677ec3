// syncline-cli: conflict listing and resolution (OFFLINE-020..024), and waiting for a
// mutation's outcome.
#pragma once

#include <boost/json/value.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "syncline/client.h"

// Waits (up to 10 s, while live) until the mutation is no longer pending; offline it stays
// pending in the outbox.
syncline::client::MutationState settle(syncline::client::Client& client, const std::string& tx);

// action "list": prints them; "resolve": applies `choice` to `id`; "": asks on stdin for each.
int run_conflicts(
    syncline::client::Client& client, const std::string& action, std::int64_t id,
    const std::optional<std::pair<syncline::client::Resolution, boost::json::value>>& choice);
