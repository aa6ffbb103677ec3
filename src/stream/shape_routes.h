// ShapeRoutes (DESIGN §16, SHAPE-020..023): one org's streams indexed by what they subscribe
// to, so that an event is offered to the streams it may concern and no other: a write costs
// work in the streams it matches, not in the streams of the org.
//   - a stream without a shape is offered everything (its type filter and the read policy
//     are the subscriber's own checks);
//   - a stream with a shape is filed, per entity type it names and per alternative of a union,
//     under one condition of it (an equality, IN or IS NULL on a field: the field and each
//     value; the fewest values win), or, for `{}`, under the type alone; never twice in one
//     bucket.
// An event of type T is then offered to T's type-wide streams and, per indexed field F, to the
// streams filed under the entity's value of F now (it may have entered) and — when the change
// touched F or deleted the entity — under F's old value (it may have left), taken from the
// event's `before`; when that is unknown (an event read from the log), to every stream filed
// on F. Candidates are a superset: Subscriber::view still decides change, leave or nothing.
// Not thread-safe: SubscriberManager holds its lock around every call.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "stream/subscriber.h"

namespace syncline::stream {

class ShapeRoutes {
 public:
  void add(const std::shared_ptr<Subscriber>& s);
  void remove(const Subscriber* s);  // s is still alive
  // Appends the streams `e` may concern, each once.
  void candidates(const StreamEvent& e, std::vector<std::shared_ptr<Subscriber>>& out) const;
  bool empty() const { return count_ == 0; }

  struct Entry {
    const Subscriber* raw;  // identity for remove(); never dereferenced
    std::weak_ptr<Subscriber> weak;
  };
  using Bucket = std::vector<Entry>;

 private:
  struct FieldIndex {
    std::unordered_map<std::string, Bucket> by_value;  // value key -> streams
  };
  struct TypeRoutes {
    Bucket whole_type;                         // `{}`
    std::map<std::string, FieldIndex> fields;  // field json name -> index
    bool empty() const { return whole_type.empty() && fields.empty(); }
  };
  // Where a stream is filed for one type: field "" = whole_type.
  struct Place {
    std::string type, field;
    std::vector<std::string> keys;
  };
  static std::vector<Place> places_of(const Subscriber& s);

  Bucket unshaped_;
  std::unordered_map<std::string, TypeRoutes> types_;
  std::size_t count_ = 0;
};

// The index key of a field value: equal keys exactly when TypeShape::matches sees equal values
// (numbers by value, so 3 and 3.0 share one; a missing field is null).
std::string value_key(const boost::json::value* v);

}  // namespace syncline::stream
