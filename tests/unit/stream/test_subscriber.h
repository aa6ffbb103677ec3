// A stream of a member of org "o" (with a shape, or none) for the unit tests of what it gets.
#pragma once

#include "stream/subscriber.h"

namespace syncline::stream {

inline Subscriber test_subscriber(const char* shape) {
  SubscriberInfo info;
  info.org_id = "o";
  info.actor = {"u", false, "member"};
  if (shape) info.shape = *entities::parse_shape(shape);
  return Subscriber(info, [] {});
}

}  // namespace syncline::stream
