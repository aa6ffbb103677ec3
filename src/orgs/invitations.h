// Invitations (SEC-050, DESIGN §20): membership is never forced on anyone. An org admin invites
// an address (or a user id); the answer is the same whether or not the address has an account;
// the invitee sees it in GET /me and accepts or declines it; only an accepted invitation is a
// membership. An invitation expires 7 days after it was (last) sent. The account that held the
// address when it was invited may accept without the token; anyone else who signs up with the
// address needs the token the inviter passes on (addresses are never verified here, so an
// invitation must not go to whoever signs up first). Organizations of a JWT's claims have none:
// their members are the identity provider's.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <string>

#include "common/error.h"
#include "db/connection.h"

namespace syncline::orgs {

// Unexpired invitations one org may hold at once (429 TOO_MANY_INVITATIONS past it).
inline constexpr int kMaxPendingInvitations = 1000;
inline constexpr int kInvitationDays = 7;

// body: {email | userId, role}. 201 {id, organizationId, email?, userId?, role, token,
// expiresAt}: the token is shown once. Inviting an address again replaces the pending invitation
// (a new token and expiry). 409 ALREADY_MEMBER; 404 USER_NOT_FOUND for an unknown user id (ids
// are not guessable; an unknown address is invited like any other).
Result<boost::json::object> invite(db::Connection& c, const std::string& org_id,
                                   const std::string& inviter_id, const boost::json::object& body);
// The org's unexpired invitations, oldest first, without tokens (org admins).
boost::json::array org_invitations(db::Connection& c, const std::string& org_id);
// The unexpired invitations addressed to this account, for GET /me: `tokenRequired` is true for
// those sent before the account held the address.
boost::json::array invitations_for(db::Connection& c, const std::string& user_id);
// body: {token?}. The membership (201), made in the same transaction that deletes the
// invitation. 404 INVITATION_NOT_FOUND unless addressed to this account; 409 INVITATION_EXPIRED;
// 403 INVITATION_TOKEN when the token is needed and missing or wrong; 409 ALREADY_MEMBER (the
// invitation is spent either way).
Result<boost::json::object> accept(db::Connection& c, const std::string& invitation_id,
                                   const std::string& user_id, const boost::json::object& body);
// Declined by its invitee or revoked by an admin of its org (or a system admin); 404 for
// anyone else, as for an id that does not exist.
Result<void> discard(db::Connection& c, const std::string& invitation_id,
                     const std::string& user_id, bool system_admin);

}  // namespace syncline::orgs
