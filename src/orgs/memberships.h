// Memberships: who belongs to an org and with which role. Writes are for org admins (the
// handler checks); every change notifies `syncline_control` in the same transaction. An
// org never loses its last admin (409 LAST_ADMIN).
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <string>

#include "common/error.h"
#include "db/connection.h"

namespace syncline::orgs {

// The body's `role`: "admin" or "member" (else 400 INVALID_FIELD / MISSING_FIELD).
Result<std::string> parse_role(const boost::json::object& body);
boost::json::array list_members(db::Connection& c, const std::string& org_id);
// One membership (the user must be a member).
boost::json::object find_member(db::Connection& c, const std::string& org_id,
                                const std::string& user_id);
// body: {role}. 404 when not a member.
Result<boost::json::object> change_role(db::Connection& c, const std::string& org_id,
                                        const std::string& user_id,
                                        const boost::json::object& body);
Result<void> remove_member(db::Connection& c, const std::string& org_id,
                           const std::string& user_id);

}  // namespace syncline::orgs
