// syncline-cli: organization slugs this machine has resolved (DIR/orgs, "slug id" per line), so
// an org named by its slug still works while the server is unreachable (issue 12 item 8).
#pragma once

#include <optional>
#include <string>

void remember_org(const std::string& data_dir, const std::string& slug, const std::string& id);
// The id of an org named by slug or id that this machine has resolved before (its cache
// directory exists), else nullopt.
std::optional<std::string> known_org(const std::string& data_dir, const std::string& slug_or_id);
