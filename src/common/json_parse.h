// The one JSON reader (DESIGN §19, ADOPT-007): Boost.JSON's grammar, limits and value tree, but
// every non-integer number converted from its text by std::from_chars, which rounds correctly.
// Boost 1.81 converts long mantissas (more than 19 digits, or integers past uint64) with double
// arithmetic that can land one ulp off, so a number read, written back in its shortest form and
// read again could change; with this reader text -> double -> shortest text -> double is the
// identity, as it is in JavaScript.
#pragma once

#include <boost/json/parse_options.hpp>
#include <boost/json/value.hpp>
#include <boost/system/error_code.hpp>
#include <string_view>

namespace syncline {

// The value of `text` (one JSON document, nothing after it), or null with ec set.
boost::json::value parse_json(std::string_view text, boost::system::error_code& ec,
                              const boost::json::parse_options& opts = {});
// For text Syncline or Postgres wrote (a parse error there is a bug): throws system_error.
boost::json::value parse_json(std::string_view text);

}  // namespace syncline
