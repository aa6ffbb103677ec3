// Fuzz target: a request body as the write path reads it (API-001..012, SEC-038): strict JSON
// (depth-limited), the {data, tx} wrapper for each action, and every field value against every
// declared field. Every input is accepted or answered with an Error value, never a crash.
#include <boost/json/parse.hpp>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "entities/registry.h"
#include "entities/values.h"
#include "sync/mutation.h"

namespace json = boost::json;
using namespace syncline;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  json::parse_options opts;
  opts.max_depth = 32;
  boost::system::error_code ec;
  auto v = json::parse(std::string_view(reinterpret_cast<const char*>(data), size), ec, {}, opts);
  if (ec || !v.is_object()) return 0;
  for (auto action : {sync::Action::kCreate, sync::Action::kUpdate, sync::Action::kDelete}) {
    auto m = sync::parse_mutation(v.as_object(), action, 1'800'000'000'000);
    if (!m) continue;
    for (const auto& type : entities::entity_types())
      for (const auto& kv : m->data)
        if (const auto* f = type.field(kv.key())) (void)entities::to_param(*f, kv.value());
  }
  return 0;
}
