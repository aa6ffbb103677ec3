#include "syncline/invitations.h"

#include <boost/json/object.hpp>
#include <cctype>

namespace syncline::client {

namespace json = boost::json;

namespace {

std::string text(const json::object& o, const char* key) {
  auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

Invitation invitation_of(const json::object& o) {
  Invitation i;
  i.id = text(o, "id");
  i.organization_id = text(o, "organizationId");
  i.organization_name = text(o, "organizationName");
  i.email = text(o, "email");
  i.role = text(o, "role");
  i.expires_at = text(o, "expiresAt");
  i.token = text(o, "token");
  auto* required = o.if_contains("tokenRequired");
  i.token_required = required && required->is_bool() && required->as_bool();
  return i;
}

// Path segments are ids ([A-Za-z0-9_-]) or slugs; anything else would change the route.
std::string segment(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_') {
      out.push_back(static_cast<char>(c));
    } else {
      static constexpr char kHex[] = "0123456789ABCDEF";
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

}  // namespace

ApiResponse invite(const Api& api, const std::string& org_id, const Invitee& who,
                   const std::string& role, Invitation* sent) {
  json::object body{{"role", role}};
  if (!who.email.empty()) body["email"] = who.email;
  if (!who.user_id.empty()) body["userId"] = who.user_id;
  auto r =
      api.call("POST", "/organizations/" + segment(org_id) + "/invitations", json::value(body));
  if (r.ok() && sent && r.body.is_object()) *sent = invitation_of(r.body.as_object());
  return r;
}

ApiResponse my_invitations(const Api& api, std::vector<Invitation>& out) {
  auto r = api.call("GET", "/me");
  out.clear();
  if (!r.ok() || !r.body.is_object()) return r;
  if (auto* items = r.body.as_object().if_contains("invitations"); items && items->is_array())
    for (const auto& v : items->as_array())
      if (v.is_object()) out.push_back(invitation_of(v.as_object()));
  return r;
}

ApiResponse accept_invitation(const Api& api, const std::string& id, const std::string& token) {
  json::object body;
  if (!token.empty()) body["token"] = token;
  return api.call("POST", "/invitations/" + segment(id) + "/accept", json::value(body));
}

ApiResponse discard_invitation(const Api& api, const std::string& id) {
  return api.call("DELETE", "/invitations/" + segment(id));
}

}  // namespace syncline::client
