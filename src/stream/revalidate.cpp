#include "stream/revalidate.h"

#include "db/array.h"

namespace syncline::stream {

void revalidate(db::Connection& c, const std::vector<std::shared_ptr<Subscriber>>& subs) {
  std::vector<std::shared_ptr<Subscriber>> checked;
  for (const auto& s : subs)
    if (!s->external()) checked.push_back(s);  // a JWT's claims hold until its exp
  if (checked.empty()) return;
  std::vector<std::optional<std::string>> hashes, orgs, users;
  for (const auto& s : checked) {
    hashes.emplace_back(s->token_hash());
    orgs.emplace_back(s->org_id());
    users.emplace_back(s->user_id());
  }
  auto r = c.exec(
      "SELECT b.n,"
      " EXISTS (SELECT 1 FROM sessions s WHERE s.token_hash = decode(b.h, 'hex')"
      "         AND s.user_id = b.u AND s.expires_at > now()),"
      " (SELECT m.role FROM memberships m WHERE m.organization_id = b.o AND m.user_id = b.u),"
      " coalesce((SELECT role = 'admin' FROM users WHERE id = b.u), false)"
      " FROM unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS b(h, o, u, n)"
      " ORDER BY b.n",
      {db::array_literal(hashes), db::array_literal(orgs), db::array_literal(users)});
  for (int i = 0; i < r.size(); ++i) {
    auto& s = checked[static_cast<std::size_t>(r.get_int(i, 0) - 1)];
    bool session_alive = r.get_bool(i, 1), system_admin = r.get_bool(i, 3);
    auto role = r.opt(i, 2);
    if (!session_alive || (!role && !system_admin)) {
      s->close_with(error_frame("forbidden"));
    } else {
      s->set_role(role);
    }
  }
}

}  // namespace syncline::stream
