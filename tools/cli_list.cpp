#include "cli_list.h"

#include <iostream>

#include "syncline/shape.h"

using namespace syncline::client;
namespace json = boost::json;

Listed list_rows(const Api& api, const std::string& base, const std::optional<std::string>& shape,
                 std::size_t limit, const std::function<void(const json::object&)>& show) {
  const std::string filter = shape ? "&shape=" + query_encode(*shape) : "";
  std::string cursor;
  Listed out;
  auto& shown = out.shown;
  auto more = [&] {
    std::cerr << "(" << shown << " rows shown; more follow: --limit 0 lists them all)\n";
  };
  for (;;) {
    auto& r = out.last;
    r = api.call("GET", base + "?limit=500" + filter +
                            (cursor.empty() ? "" : "&cursor=" + query_encode(cursor)));
    if (!r.ok() || !r.body.is_object()) return out;
    const auto& body = r.body.as_object();
    const auto* items = body.if_contains("items");
    const auto* next = body.if_contains("nextCursor");
    if (!items || !items->is_array()) return out;
    for (const auto& item : items->as_array()) {
      if (limit && shown == limit) {
        more();
        return out;
      }
      const auto* data = item.is_object() ? item.as_object().if_contains("data") : nullptr;
      if (data && data->is_object()) show(data->as_object());
      ++shown;
    }
    if (!next || !next->is_string()) return out;  // the server says nothing more follows
    if (limit && shown == limit) {
      more();
      return out;
    }
    cursor = std::string(next->as_string());
  }
}
