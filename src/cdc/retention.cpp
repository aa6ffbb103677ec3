#include "cdc/retention.h"

#include <charconv>

namespace syncline::cdc {

std::optional<Retention> parse_retention(const std::string& text) {
  if (text.empty()) return Retention{};
  std::int64_t n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || n <= 0 || end == text.data()) return std::nullopt;
  const std::string_view unit(end, static_cast<std::size_t>(text.data() + text.size() - end));
  if (unit.empty()) return Retention{std::nullopt, n};
  const std::int64_t per = unit == "s"   ? 1
                           : unit == "m" ? 60
                           : unit == "h" ? 3600
                           : unit == "d" ? 86400
                                         : 0;
  if (per == 0 || n > INT64_MAX / per / 1000) return std::nullopt;
  return Retention{std::chrono::seconds(n * per), std::nullopt};
}

}  // namespace syncline::cdc
