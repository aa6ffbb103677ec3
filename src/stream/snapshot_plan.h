// SnapshotPlan: what the /snapshot route hands to the server to stream (stream/snapshot.h reads
// it): which rows, read as whom, and the session whose stream caps count it.
#pragma once

#include <optional>
#include <string>

#include "entities/policy.h"
#include "entities/shape.h"
#include "stream/stream_holds.h"

namespace syncline::stream {

struct SnapshotRequest {
  std::string org_id;
  entities::Actor actor;
  std::optional<entities::Shape> shape;  // none: every type
};

struct SnapshotPlan {
  SnapshotRequest request;
  StreamHolder holder;  // its session, user and address: their stream caps count it
};

}  // namespace syncline::stream
