// syncline-cli list TYPE --org ORG [--where …] [--limit N] (DESIGN §18): every row, following
// the server's cursors page by page (never silently the first page only); with --limit N at
// most N rows, and a line on stderr when more follow.
#pragma once

#include <boost/json/object.hpp>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>

#include "syncline/api.h"

struct Listed {
  syncline::client::ApiResponse last;  // the last page's answer: not ok() when one failed
  std::size_t shown = 0;               // rows passed to `show`, also before a failure
};
// `base` is the type's route; `limit` 0: all. `show` prints one entity's data.
Listed list_rows(const syncline::client::Api& api, const std::string& base,
                 const std::optional<std::string>& shape, std::size_t limit,
                 const std::function<void(const boost::json::object&)>& show);
