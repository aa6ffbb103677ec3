// Small string helpers shared by parsers (headers, cookies, ids).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace syncline {

std::vector<std::string_view> split(std::string_view s, char sep);
std::string_view trim(std::string_view s);
std::string to_lower(std::string_view s);
// [A-Za-z0-9_-]{1,max}: entity, user and org ids (DESIGN §4a).
bool is_valid_id(std::string_view s, std::size_t max = 64);
// Valid UTF-8 without NUL (Postgres text cannot hold NUL).
bool is_valid_text(std::string_view s);
// Length in Unicode code points of valid UTF-8.
std::size_t utf8_length(std::string_view s);

}  // namespace syncline
