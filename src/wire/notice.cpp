#include "wire/notice.h"
#include "common/json_parse.h"
#include "common/json_text.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <map>

namespace syncline::wire {

namespace json = boost::json;

namespace {

std::optional<json::object> object_of(std::string_view payload) {
  if (payload.size() > kMaxNotifyBytes) return std::nullopt;
  json::parse_options opts;
  opts.max_depth = 16;
  boost::system::error_code ec;
  auto v = parse_json(payload, ec, opts);
  if (ec || !v.is_object()) return std::nullopt;
  return std::move(v.as_object());
}

std::optional<std::string> text(const json::object& o, const char* k) {
  auto* v = o.if_contains(k);
  if (!v || !v->is_string() || v->as_string().empty()) return std::nullopt;
  return std::string(v->as_string());
}

std::optional<std::int64_t> id(const json::object& o, const char* k) {
  auto* v = o.if_contains(k);
  if (!v) return std::nullopt;
  if (v->is_int64() && v->as_int64() > 0) return v->as_int64();
  if (v->is_uint64() && v->as_uint64() <= static_cast<std::uint64_t>(INT64_MAX))
    return static_cast<std::int64_t>(v->as_uint64());
  return std::nullopt;
}

}  // namespace

std::string encode(const Activity& a) {
  // Serialized member by member, so nothing is copied into an intermediate object.
  std::string head = head_of(a, false);
  auto entity = json_text(a.entity);
  std::string before = a.before.is_null() ? "" : ",\"before\":" + json_text(a.before);
  // Too big: first without the old values (the bus then routes the event to every shape on a
  // touched field), then without the entity (the bus reads it from the log, STREAM-040..043).
  if (head.size() + entity.size() + before.size() + 1 <= kMaxPayloadBytes)
    return head + entity + before + "}";
  if (head.size() + entity.size() + 1 <= kMaxPayloadBytes) return head + entity + "}";
  if (head.size() + 5 <= kMaxPayloadBytes) return head + "null}";
  // Even the rest is too big (thousands of changed columns): a doorbell for this one activity,
  // read from the log like a bulk commit's. Never a payload Postgres would refuse, which would
  // stop the worker on this transaction.
  return encode(DoorbellNotice{a.org_id, a.id, a.id});
}

std::string encode(const DoorbellNotice& d) {
  return "{\"orgId\":" + quoted(d.org_id) + ",\"fromActivityId\":" + std::to_string(d.from) +
         ",\"toActivityId\":" + std::to_string(d.to) + "}";
}

std::string encode(const ControlNotice& c) {
  return "{\"orgId\":" + (c.org_id ? quoted(*c.org_id) : std::string("null")) +
         ",\"userId\":" + quoted(c.user_id) + "}";
}

std::vector<std::string> encode_batch(const std::vector<Activity>& batch) {
  struct Org {
    std::size_t count = 0;
    DoorbellNotice bell;
    bool rung = false;
  };
  std::map<std::string_view, Org> per_org;
  for (const auto& a : batch) {
    auto& o = per_org[a.org_id];
    if (o.count++ == 0) o.bell = {a.org_id, a.id, a.id};
    o.bell.from = std::min(o.bell.from, a.id);
    o.bell.to = std::max(o.bell.to, a.id);
  }
  std::vector<std::string> out;
  for (const auto& a : batch) {
    auto& o = per_org[a.org_id];
    if (o.count <= kDoorbellThreshold) {
      out.push_back(encode(a));
    } else if (!o.rung) {
      out.push_back(encode(o.bell));
      o.rung = true;
    }
  }
  return out;
}

std::optional<Notice> decode_activity(std::string_view payload) {
  auto o = object_of(payload);
  if (!o) return std::nullopt;
  auto org = text(*o, "orgId");
  if (!org) return std::nullopt;
  if (o->contains("fromActivityId")) {
    auto from = id(*o, "fromActivityId"), to = id(*o, "toActivityId");
    if (!from || !to || *from > *to) return std::nullopt;
    return DoorbellNotice{std::move(*org), *from, *to};
  }
  auto a = read_activity(*o, true);
  if (!a) return std::nullopt;
  return std::move(*a);
}

std::optional<ControlNotice> decode_control(std::string_view payload) {
  auto o = object_of(payload);
  if (!o) return std::nullopt;
  auto user = text(*o, "userId");
  if (!user) return std::nullopt;
  ControlNotice n{std::move(*user), std::nullopt};
  if (auto* org = o->if_contains("orgId"); org && !org->is_null()) {
    if (!org->is_string()) return std::nullopt;
    n.org_id = std::string(org->as_string());
  }
  return n;
}

}  // namespace syncline::wire
