#include "orgs/control.h"

#include "wire/notice.h"

namespace syncline::orgs {

void notify_control(db::Connection& c, const std::optional<std::string>& org_id,
                    const std::string& user_id) {
  c.exec("SELECT pg_notify($1, $2)",
         {wire::kControlChannel, wire::encode(wire::ControlNotice{user_id, org_id})});
}

}  // namespace syncline::orgs
