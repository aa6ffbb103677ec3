#include "http/target.h"

#include <boost/url/parse.hpp>

#include "common/strings.h"

namespace syncline::http {

std::optional<Target> parse_target(std::string_view target) {
  auto url = boost::urls::parse_origin_form(target);
  if (!url) return std::nullopt;
  Target t;
  for (auto seg : url->segments()) {
    if (seg.find('/') != std::string::npos || !is_valid_text(seg)) return std::nullopt;
    t.path += "/" + seg;
  }
  if (t.path.empty()) t.path = "/";
  for (auto p : url->params()) {
    if (!is_valid_text(p.key) || (p.has_value && !is_valid_text(p.value))) return std::nullopt;
    t.query.emplace_back(p.key, p.has_value ? p.value : "");
  }
  return t;
}

}  // namespace syncline::http
