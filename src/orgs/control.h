// Control notifications (DESIGN §6): membership, role, session and organization changes are
// announced on channel `syncline_control` as {"orgId","userId"} (orgId null = every org of
// that user; wire/notice.h) so that every node's live streams re-check that user. Call inside the
// transaction that makes the change: Postgres delivers the NOTIFY only if it commits.
#pragma once

#include <optional>
#include <string>

#include "db/connection.h"

namespace syncline::orgs {

void notify_control(db::Connection& c, const std::optional<std::string>& org_id,
                    const std::string& user_id);

}  // namespace syncline::orgs
