// Small helpers shared by client.cpp and client_mutations.cpp (internal).
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <charconv>
#include <cstdint>
#include <optional>
#include <set>
#include <string>

#include "common/json_parse.h"
#include "common/json_text.h"
#include "syncline/client.h"

namespace syncline::client {

// Set on threads that must not wait for a flush: the stream thread (it holds the client's
// lock that a running flush needs) and a thread already flushing (its callbacks may mutate):
// a mutation made from a listener or callback is sent by the sync thread instead.
inline thread_local bool tl_no_blocking_flush = false;

// Bytes from the network never throw on the stream thread: malformed input is skipped.
inline std::optional<boost::json::object> parse_object(const std::string& text) {
  boost::system::error_code ec;
  auto v = syncline::parse_json(text, ec);
  if (ec || !v.is_object()) return std::nullopt;
  return std::move(v.as_object());
}

// The entity types a `shape` query value names (one object, or an array of them); nullopt for
// "" (the whole org).
inline std::optional<std::set<std::string>> types_of_shape(const std::string& text) {
  if (text.empty()) return std::nullopt;
  boost::system::error_code ec;
  auto v = syncline::parse_json(text, ec);
  std::set<std::string> out;
  if (ec) return out;
  for (const auto& o : v.is_array() ? v.as_array() : boost::json::array{v})
    if (o.is_object())
      for (const auto& kv : o.as_object()) out.insert(std::string(kv.key()));
  return out;
}

// The part of a `shape` query value ("" = the whole org) that concerns one type, as a shape
// of that type alone; nullopt when it names other types only.
inline std::optional<std::string> shape_of_type(const std::string& text, const std::string& type) {
  if (text.empty()) return json_text(boost::json::object{{type, boost::json::object{}}});
  boost::system::error_code ec;
  auto v = syncline::parse_json(text, ec);
  if (ec) return std::nullopt;
  boost::json::array parts;
  for (const auto& o : v.is_array() ? v.as_array() : boost::json::array{v})
    if (o.is_object())
      if (const auto* of_type = o.as_object().if_contains(type))
        parts.push_back(boost::json::object{{type, *of_type}});
  if (parts.empty()) return std::nullopt;
  return parts.size() == 1 ? json_text(parts[0]) : json_text(parts);
}

inline std::optional<std::int64_t> parse_id(const std::string& s) {
  std::int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

inline std::string str(const boost::json::object& o, const char* k) {
  auto* v = o.if_contains(k);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

inline std::optional<std::int64_t> activity_id(const boost::json::object& msg) {
  auto* a = msg.if_contains("activityId");
  if (a && a->is_int64()) return a->as_int64();
  return std::nullopt;
}

inline std::optional<MutationState> parse_state(const std::string& s) {
  for (auto st : {MutationState::kPending, MutationState::kSent, MutationState::kConfirmed,
                  MutationState::kFailed, MutationState::kConflicted})
    if (s == to_string(st)) return st;
  return std::nullopt;
}

}  // namespace syncline::client
