// JSON text with numbers as JavaScript prints them (DESIGN §19, ADOPT-007): an integer as an
// integer, any other finite number in [1e-6, 1e21) without an exponent, the rest in JavaScript's
// exponent form ("1e+21", "1.5e-7"). Boost.JSON would write 7000.25 as "7.00025E3", and
// Postgres' float8 output writes 1e15 as "1e+15"; every JSON text Syncline sends (REST bodies,
// stream frames, NOTIFY payloads, snapshot lines, CLI output) goes through one of these two.
#pragma once

#include <boost/json/value.hpp>
#include <string>
#include <string_view>

namespace syncline {

// The JSON text of v. Strings are escaped as Boost.JSON escapes them; non-finite doubles are
// written as null (what JSON.stringify does).
std::string json_text(const boost::json::value& v);
void append_json_text(std::string& out, const boost::json::value& v);

// The shortest text that reads back as d, in JavaScript's Number#toString form.
void append_js_number(std::string& out, double d);

// `text` (valid JSON, e.g. built by Postgres) with every number written in exponent form
// rewritten as append_js_number writes it; everything else, strings included, byte for byte.
// Text without an exponent-form number (the common case) is appended as it came.
void append_js_numbers(std::string& out, std::string_view text);
std::string js_numbers(std::string_view text);

}  // namespace syncline
