// Re-validation of open streams (SEC-001..005, SEC-040): one batched query re-checks, for each
// given subscriber, that its session is alive and that its user is still a member of the org
// (or a system admin); the role is refreshed, and a stream that lost either is closed with
// `event: error {"code":"forbidden"}`. Called by the bus's lane workers (control notifications,
// after a reconnect, every 60 s) and by a stream right after it registered (no window between
// its authorization and its registration). Blocking: worker threads only. Throws db::DbError.
#pragma once

#include <memory>
#include <vector>

#include "db/connection.h"
#include "stream/subscriber.h"

namespace syncline::stream {

void revalidate(db::Connection& c, const std::vector<std::shared_ptr<Subscriber>>& subs);

}  // namespace syncline::stream
