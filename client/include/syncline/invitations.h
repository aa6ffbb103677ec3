// Invitations (SEC-050, DESIGN §20): nobody becomes a member of an organization unasked. An org
// admin invites an address or a user id; the invitee lists the invitations waiting for them and
// accepts (with the inviter's token when `token_required`: the account did not hold the address
// when it was invited) or declines. Each call is one request on `api`; the answer's status and
// error code are the caller's to read (ApiResponse), the parsed values come back when it is 2xx.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "syncline/api.h"

namespace syncline::client {

struct Invitation {
  std::string id;
  std::string organization_id;
  std::string organization_name;  // empty in invite()'s answer
  std::string email;              // empty in invite()'s answer to an invitation by user id
  std::string role;               // "admin" | "member"
  std::string expires_at;
  std::string token;            // only in invite()'s answer: pass it on to the invitee
  bool token_required = false;  // my_invitations(): accepting needs the inviter's token
};

// Exactly one of email and user_id.
struct Invitee {
  std::string email;
  std::string user_id;
};

ApiResponse invite(const Api& api, const std::string& org_id, const Invitee& who,
                   const std::string& role, Invitation* sent = nullptr);
// The invitations waiting for the signed-in user (GET /me's), into `out`.
ApiResponse my_invitations(const Api& api, std::vector<Invitation>& out);
ApiResponse accept_invitation(const Api& api, const std::string& id, const std::string& token = "");
// Declined by the invitee, or revoked by an admin of its organization.
ApiResponse discard_invitation(const Api& api, const std::string& id);

}  // namespace syncline::client
