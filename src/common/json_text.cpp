#include "common/json_text.h"

#include <charconv>
#include <cmath>
#include <cstdlib>

namespace syncline {

namespace json = boost::json;

namespace {

void append_escape(std::string& out, unsigned char c) {
  static constexpr char kHex[] = "0123456789abcdef";
  switch (c) {
    case '"':
      out += "\\\"";
      return;
    case '\\':
      out += "\\\\";
      return;
    case '\b':
      out += "\\b";
      return;
    case '\f':
      out += "\\f";
      return;
    case '\n':
      out += "\\n";
      return;
    case '\r':
      out += "\\r";
      return;
    case '\t':
      out += "\\t";
      return;
    default:
      out += "\\u00";
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
  }
}

// Runs of characters that need no escape are appended whole (snapshot rows are mostly such).
void append_string(std::string& out, std::string_view s) {
  out.push_back('"');
  std::size_t from = 0;  // the first character not appended yet
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(s.data() + from, i - from);
    append_escape(out, c);
    from = i + 1;
  }
  out.append(s.data() + from, s.size() - from);
  out.push_back('"');
}

// Number::toString (ECMA-262 6.1.6.1.20) from the shortest round-trip digits: d = 0.digits x
// 10^n. to_chars' fixed form is not it: it prints 1.2345678901234568e20 with all its exact
// digits (…683968) where JavaScript pads the shortest digits with zeros (…680000).
void append_number(std::string& out, double d) {
  char buf[32];
  auto end = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific).ptr;
  std::string_view s(buf, static_cast<std::size_t>(end - buf));
  if (s.front() == '-') {
    out.push_back('-');
    s.remove_prefix(1);
  }
  auto e = s.find('e');
  int exponent = 0;
  std::from_chars(s.data() + e + (s[e + 1] == '+' ? 2 : 1), s.data() + s.size(), exponent);
  std::string digits;
  for (char c : s.substr(0, e))
    if (c != '.') digits.push_back(c);
  int k = static_cast<int>(digits.size());
  int n = exponent + 1;
  if (k <= n && n <= 21) {
    out += digits;
    out.append(static_cast<std::size_t>(n - k), '0');
  } else if (0 < n && n <= 21) {
    out.append(digits, 0, static_cast<std::size_t>(n));
    out.push_back('.');
    out.append(digits, static_cast<std::size_t>(n));
  } else if (-6 < n && n <= 0) {
    out += "0.";
    out.append(static_cast<std::size_t>(-n), '0');
    out += digits;
  } else {
    out.push_back(digits[0]);
    if (k > 1) {
      out.push_back('.');
      out.append(digits, 1);
    }
    out.push_back('e');
    out.push_back(n - 1 < 0 ? '-' : '+');
    out += std::to_string(std::abs(n - 1));
  }
}

}  // namespace

void append_js_number(std::string& out, double d) {
  if (!std::isfinite(d)) {
    out += "null";
    return;
  }
  if (d == 0) {  // -0 too, as JavaScript prints it
    out.push_back('0');
    return;
  }
  append_number(out, d);
}

void append_json_text(std::string& out, const json::value& v) {
  switch (v.kind()) {
    case json::kind::null:
      out += "null";
      return;
    case json::kind::bool_:
      out += v.get_bool() ? "true" : "false";
      return;
    case json::kind::int64:
      out += std::to_string(v.get_int64());
      return;
    case json::kind::uint64:
      out += std::to_string(v.get_uint64());
      return;
    case json::kind::double_:
      return append_js_number(out, v.get_double());
    case json::kind::string:
      return append_string(out, v.get_string());
    case json::kind::array: {
      out.push_back('[');
      bool first = true;
      for (const auto& e : v.get_array()) {
        if (!first) out.push_back(',');
        first = false;
        append_json_text(out, e);
      }
      out.push_back(']');
      return;
    }
    case json::kind::object: {
      out.push_back('{');
      bool first = true;
      for (const auto& kv : v.get_object()) {
        if (!first) out.push_back(',');
        first = false;
        append_string(out, kv.key());
        out.push_back(':');
        append_json_text(out, kv.value());
      }
      out.push_back('}');
      return;
    }
  }
}

std::string json_text(const json::value& v) {
  std::string out;
  append_json_text(out, v);
  return out;
}

namespace {

bool number_char(char c) {
  return (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E';
}

// True when text may hold an exponent-form number: a digit followed by 'e' or 'E'. Strings can
// match too; js_numbers then takes the careful path, which copies them unchanged.
bool may_have_exponent(std::string_view text) {
  for (std::size_t i = 1; i < text.size(); ++i)
    if ((text[i] == 'e' || text[i] == 'E') && text[i - 1] >= '0' && text[i - 1] <= '9') return true;
  return false;
}

}  // namespace

void append_js_numbers(std::string& out, std::string_view text) {
  if (!may_have_exponent(text)) {
    out.append(text);
    return;
  }
  bool in_string = false;
  for (std::size_t i = 0; i < text.size();) {
    char c = text[i];
    if (in_string) {
      out.push_back(c);
      if (c == '\\' && i + 1 < text.size())
        out.push_back(text[++i]);
      else if (c == '"')
        in_string = false;
      ++i;
      continue;
    }
    if (c == '"') {
      in_string = true;
      out.push_back(c);
      ++i;
      continue;
    }
    if (c != '-' && (c < '0' || c > '9')) {
      out.push_back(c);
      ++i;
      continue;
    }
    std::size_t end = i;
    while (end < text.size() && number_char(text[end])) ++end;
    std::string_view token(text.data() + i, end - i);
    double d = 0;
    auto [ptr, ec] = std::from_chars(token.data(), token.data() + token.size(), d);
    if (token.find_first_of("eE") != std::string_view::npos && ec == std::errc() &&
        ptr == token.data() + token.size())
      append_js_number(out, d);
    else
      out.append(token);
    i = end;
  }
}

std::string js_numbers(std::string_view text) {
  std::string out;
  append_js_numbers(out, text);
  return out;
}

}  // namespace syncline
