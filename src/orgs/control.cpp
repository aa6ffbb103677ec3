#include "orgs/control.h"

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

namespace syncline::orgs {

void notify_control(db::Connection& c, const std::optional<std::string>& org_id,
                    const std::string& user_id) {
  boost::json::value payload = {{"orgId", org_id ? boost::json::value(*org_id) : nullptr},
                                {"userId", user_id}};
  c.exec("SELECT pg_notify($1, $2)", {kControlChannel, boost::json::serialize(payload)});
}

}  // namespace syncline::orgs
