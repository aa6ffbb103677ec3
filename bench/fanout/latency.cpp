// Fan-out latency figures from one round's writes and receipts, and their JSON fields.
#include "latency.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstddef>

#include "stats.h"

namespace fanout {

Figures figures(const std::vector<Write>& writes, const std::vector<Receipt>& receipts,
                std::uint32_t live, From from) {
  const bool kernel = from == From::response_kernel;
  Figures f;
  f.lat.reserve(receipts.size());
  std::vector<double> slowest(writes.size(), -1e300);
  std::vector<std::uint32_t> per_write(writes.size(), 0);
  for (const auto& r : receipts) {
    const auto& w = writes[r.write];
    if (!w.ok) continue;
    if (kernel && (w.responded_kernel_ns == 0 || r.stamp.kernel_ns == 0)) continue;
    double ms = kernel ? static_cast<double>(r.stamp.kernel_ns - w.responded_kernel_ns) / 1e6
                       : ms_between(from == From::request ? w.sent : w.responded, r.stamp.at);
    f.lat.push_back(ms);
    slowest[r.write] = std::max(slowest[r.write], ms);
    ++per_write[r.write];
  }
  for (std::size_t i = 0; i < writes.size(); ++i)
    if (writes[i].ok && per_write[i] >= live) f.last.push_back(slowest[i]);
  return f;
}

std::string figures_json(const char* prefix, const Figures& f) {
  double mn = f.lat.empty() ? 0.0 : *std::min_element(f.lat.begin(), f.lat.end());
  return fmt::format(
      "\"{0}samples\":{1},\"{0}p50_ms\":{2},\"{0}p99_ms\":{3},\"{0}max_ms\":{4},"
      "\"{0}min_ms\":{5},\"{0}last_subscriber_p50_ms\":{6},"
      "\"{0}last_subscriber_p99_ms\":{7}",
      prefix, f.lat.size(), num(percentile(f.lat, 0.50)), num(percentile(f.lat, 0.99)),
      num(maximum(f.lat)), num(mn), num(percentile(f.last, 0.50)), num(percentile(f.last, 0.99)));
}

}  // namespace fanout
