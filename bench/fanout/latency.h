// Fan-out latency figures from one round's writes and receipts, and their JSON fields.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "records.h"

namespace fanout {

struct Figures {
  std::vector<double> lat;
  std::vector<double> last;  // per write that reached every live subscriber: the slowest
};
enum class From { response, response_kernel, request };

// Latencies of every receipt of an acknowledged write, from the write's `from` time; with
// From::response_kernel only receipts where both kernel stamps are known. `last` holds, per
// write received by at least `live` subscribers, its slowest receipt.
Figures figures(const std::vector<Write>& writes, const std::vector<Receipt>& receipts,
                std::uint32_t live, From from);

// The JSON fields (samples, p50/p99/max/min, last-subscriber p50/p99) named with `prefix`.
std::string figures_json(const char* prefix, const Figures& f);

}  // namespace fanout
