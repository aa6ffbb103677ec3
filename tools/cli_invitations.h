// syncline-cli: invitations (SEC-050). `invite --org O (--email E | --user-id U) [--role R]`
// prints the code to pass on; `invitations` lists those waiting for the signed-in user;
// `invitations accept ID [--code C]` and `invitations decline ID`.
#pragma once

#include <functional>
#include <string>

#include "syncline/api.h"

struct InvitationArgs {
  std::string action;  // "" (list) | accept | decline — or "invite"
  std::string id;      // accept, decline
  std::string code;    // accept: the inviter's token
  std::string org_id, email, user_id, role = "member";  // invite
};

using FailureReport = std::function<int(const syncline::client::ApiResponse&)>;

int invitations_command(const syncline::client::Api& api, const InvitationArgs& a,
                        const FailureReport& fail);
