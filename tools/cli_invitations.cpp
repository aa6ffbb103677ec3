#include "cli_invitations.h"

#include <iostream>
#include <vector>

#include "syncline/invitations.h"

using namespace syncline::client;

namespace {

int send_invitation(const Api& api, const InvitationArgs& a, const FailureReport& fail) {
  Invitation sent;
  auto r = invite(api, a.org_id, {a.email, a.user_id}, a.role, &sent);
  if (!r.ok()) return fail(r);
  std::cout << "invited " << (a.email.empty() ? a.user_id : a.email) << " as " << sent.role
            << " (invitation " << sent.id << ", expires " << sent.expires_at << ")\n"
            << "code: " << sent.token << "\n"
            << "pass the code on: someone who signs up with the address later needs it to "
               "accept\n";
  return 0;
}

int list(const Api& api, const FailureReport& fail) {
  std::vector<Invitation> mine;
  auto r = my_invitations(api, mine);
  if (!r.ok()) return fail(r);
  if (mine.empty()) std::cout << "no invitations\n";
  for (const auto& i : mine)
    std::cout << i.id << "  " << i.organization_name << "  " << i.role << "  expires "
              << i.expires_at << (i.token_required ? "  (needs the inviter's code)" : "") << "\n";
  return 0;
}

}  // namespace

int invitations_command(const Api& api, const InvitationArgs& a, const FailureReport& fail) {
  if (a.action == "invite") return send_invitation(api, a, fail);
  if (a.action.empty() || a.action == "list") return list(api, fail);
  if (a.id.empty()) {
    std::cerr << "error: " << a.action << " needs the invitation's id (syncline-cli invitations)\n";
    return 2;
  }
  if (a.action == "accept") {
    auto r = accept_invitation(api, a.id, a.code);
    if (!r.ok()) return fail(r);
    std::cout << "joined organization " << r.body.at("organizationId").as_string().c_str() << " as "
              << r.body.at("role").as_string().c_str() << "\n";
    return 0;
  }
  auto r = discard_invitation(api, a.id);
  if (!r.ok()) return fail(r);
  std::cout << "declined " << a.id << "\n";
  return 0;
}
