// What a route answers (issue 27 item 1): a whole Response, or the hand-over of its connection
// to a stream — Server-Sent Events (a LivePlan) or a snapshot (a SnapshotPlan) — as Beast's
// server-flex example branches on a WebSocket upgrade. The router gives a hand-over's head the
// headers every answer gets (security, CORS); server.cpp branches on the alternative and hands
// the socket to http/live_admission.h or http/snapshot.h.
#pragma once

#include <variant>

#include "http/message.h"
#include "stream/live_plan.h"
#include "stream/snapshot_plan.h"

namespace syncline::http {

template <class Plan>
struct Handover {
  Plan plan;
  Response head;  // status and headers; the stream writes the body
};
using LiveHandover = Handover<stream::LivePlan>;
using SnapshotHandover = Handover<stream::SnapshotPlan>;

using Answer = std::variant<Response, LiveHandover, SnapshotHandover>;

// The part every answer has: a Response itself, a hand-over's head.
inline Response& head_of(Answer& a) {
  if (auto* live = std::get_if<LiveHandover>(&a)) return live->head;
  if (auto* snapshot = std::get_if<SnapshotHandover>(&a)) return snapshot->head;
  return std::get<Response>(a);
}

}  // namespace syncline::http
