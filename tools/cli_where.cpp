#include "cli_where.h"

#include <boost/json/parse.hpp>

#include "common/json_parse.h"

namespace json = boost::json;

json::value value_of(const std::string& text) {
  boost::system::error_code ec;
  auto v = syncline::parse_json(text, ec);
  return ec ? json::value(text) : v;
}

std::variant<syncline::client::Shape, std::string> where_shape(
    const std::vector<std::string>& where, const std::string& default_type) {
  syncline::client::Shape shape;
  for (const auto& w : where) {
    const auto eq = w.find('=');
    if (eq == std::string::npos || eq == 0)
      return "--where '" + w + "': expected [TYPE.]FIELD=VALUE";
    std::string lhs = w.substr(0, eq), type = default_type, field = lhs;
    if (auto dot = lhs.find('.'); dot != std::string::npos) {
      type = lhs.substr(0, dot);
      field = lhs.substr(dot + 1);
    }
    if (type.empty() || field.empty())
      return "--where '" + w + "': name the type, as TYPE.FIELD=VALUE";
    if (!default_type.empty() && type != default_type)
      return "--where '" + w + "': this command lists " + default_type + " only";
    auto& filters = shape[type];
    if (!filters.is_object()) filters = json::object{};
    filters.as_object()[field] = value_of(w.substr(eq + 1));
  }
  return shape;
}
