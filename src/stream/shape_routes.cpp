#include "stream/shape_routes.h"
#include "common/json_text.h"

#include <boost/json/serialize.hpp>

#include <algorithm>
#include <charconv>
#include <set>

namespace syncline::stream {

namespace json = boost::json;

std::string value_key(const json::value* v) {
  if (!v || v->is_null()) return "n";
  if (v->is_string()) return "s" + std::string(v->as_string());
  if (v->is_bool()) return v->as_bool() ? "t" : "f";
  if (v->is_number()) {
    double d = v->to_number<double>();
    if (d == 0) d = 0;  // -0 == 0
    char buf[32];
    auto r = std::to_chars(buf, buf + sizeof buf, d);  // shortest round trip: one per value
    return "d" + std::string(buf, r.ptr);
  }
  return "j" + json_text(*v);  // never equal to a scalar a shape names
}

namespace {
void erase_from(std::vector<ShapeRoutes::Entry>& bucket, const Subscriber* s) {
  auto it = std::find_if(bucket.begin(), bucket.end(), [&](const auto& e) { return e.raw == s; });
  if (it == bucket.end()) return;
  *it = std::move(bucket.back());  // order within a bucket does not matter
  bucket.pop_back();
}

void append(const std::vector<ShapeRoutes::Entry>& bucket,
            std::vector<std::shared_ptr<Subscriber>>& out) {
  for (const auto& e : bucket)
    if (auto s = e.weak.lock()) out.push_back(std::move(s));
}
}  // namespace

std::vector<ShapeRoutes::Place> ShapeRoutes::places_of(const Subscriber& s) {
  std::vector<Place> out;
  if (!s.shape()) return out;
  for (const auto& ts : s.shape()->types) {
    // (field, keys) per alternative, merged per field: a stream is in a bucket at most once.
    std::map<std::string, std::set<std::string>> fields;
    bool whole = false;
    for (const auto& alt : ts.alternatives) {
      // The most selective condition: the fewest values; IS NULL only when nothing else.
      const entities::ShapeCondition* best = nullptr;
      for (const auto& c : alt) {
        const bool better =
            !best ||
            (best->is_null ? !c.is_null : !c.is_null && c.values.size() < best->values.size());
        if (better) best = &c;
      }
      if (!best) {
        whole = true;
        continue;
      }
      auto& keys = fields[best->field->json];
      if (best->is_null) keys.insert(value_key(nullptr));
      for (const auto& v : best->values) keys.insert(value_key(&v));
    }
    if (whole) {
      out.push_back({ts.type->name, "", {}});
      continue;
    }
    for (auto& [field, keys] : fields)
      out.push_back({ts.type->name, field, {keys.begin(), keys.end()}});
  }
  return out;
}

void ShapeRoutes::add(const std::shared_ptr<Subscriber>& s) {
  ++count_;
  if (!s->shape()) {
    unshaped_.push_back({s.get(), s});
    return;
  }
  for (auto& p : places_of(*s)) {
    auto& t = types_[p.type];
    if (p.field.empty()) {
      t.whole_type.push_back({s.get(), s});
      continue;
    }
    auto& index = t.fields[p.field];
    for (const auto& k : p.keys) index.by_value[k].push_back({s.get(), s});
  }
}

void ShapeRoutes::remove(const Subscriber* s) {
  --count_;
  if (!s->shape()) {
    erase_from(unshaped_, s);
    return;
  }
  for (auto& p : places_of(*s)) {
    auto t = types_.find(p.type);
    if (t == types_.end()) continue;
    if (p.field.empty()) {
      erase_from(t->second.whole_type, s);
    } else if (auto f = t->second.fields.find(p.field); f != t->second.fields.end()) {
      for (const auto& k : p.keys) {
        auto b = f->second.by_value.find(k);
        if (b == f->second.by_value.end()) continue;
        erase_from(b->second, s);
        if (b->second.empty()) f->second.by_value.erase(b);
      }
      if (f->second.by_value.empty()) t->second.fields.erase(f);
    }
    if (t->second.empty()) types_.erase(t);
  }
}

void ShapeRoutes::candidates(const StreamEvent& e,
                             std::vector<std::shared_ptr<Subscriber>>& out) const {
  append(unshaped_, out);
  auto t = types_.find(e.entity_type);
  if (t == types_.end()) return;
  // A stream with a union may be filed in several places of one type, a stream with an IN
  // under several values: with more than one place looked up, each is kept once.
  const auto first_shaped = out.size();
  append(t->second.whole_type, out);
  int looked_up = t->second.whole_type.empty() ? 0 : 1;
  const bool is_delete = e.action == "delete";
  for (const auto& [field, index] : t->second.fields) {
    // Where the entity is now (it may have entered), and where it was (it may have left).
    std::vector<std::string> keys;
    bool every = false;
    if (!is_delete) {
      if (e.data)
        keys.push_back(value_key(e.data->if_contains(field)));
      else
        every = true;  // gone by now (read from the log): wherever it was
    }
    const bool touched = is_delete || (e.action == "update" &&
                                       std::find(e.changed_keys.begin(), e.changed_keys.end(),
                                                 field) != e.changed_keys.end());
    if (touched) {
      const json::value* old = e.before ? e.before->if_contains(field) : nullptr;
      if (old)
        keys.push_back(value_key(old));
      else
        every = true;  // not known where it was
    }
    if (every) {
      for (const auto& [key, bucket] : index.by_value) append(bucket, out);
      looked_up += 2;
      continue;
    }
    if (keys.size() == 2 && keys[0] == keys[1]) keys.pop_back();
    for (const auto& k : keys)
      if (auto b = index.by_value.find(k); b != index.by_value.end()) {
        append(b->second, out);
        ++looked_up;
      }
  }
  if (looked_up < 2) return;
  auto begin = out.begin() + static_cast<std::ptrdiff_t>(first_shaped);
  std::sort(begin, out.end());
  out.erase(std::unique(begin, out.end()), out.end());
}

}  // namespace syncline::stream
