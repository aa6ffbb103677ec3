// The request target (origin form: path and query) as handlers see it: percent-decoded path
// segments and query parameters, in order. Untrusted bytes that reach SQL parameters and logs:
// every decoded piece must be text (valid UTF-8, no NUL) and a segment must not smuggle a '/'.
// Pure (Boost.URL); fuzzed (fuzz/target_fuzz.cpp).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace syncline::http {

struct Target {
  std::string path;  // "/a/b", "/" for the root
  std::vector<std::pair<std::string, std::string>> query;
};

// nullopt when the target is malformed.
std::optional<Target> parse_target(std::string_view target);

}  // namespace syncline::http
