#include "cli_command.h"

#include <iostream>

#include "cli_orgs.h"
#include "common/json_text.h"

namespace json = boost::json;
using namespace syncline::client;

std::string_view text_of(const json::value& v) {
  return v.is_string() ? std::string_view(v.as_string()) : "";
}

int fail(const Env& env, const ApiResponse& r) {
  if (r.status == 0) {
    std::cerr << "error: cannot reach the server at " << env.server_url << " (" << r.error << ")\n";
  } else if (const auto* e = r.body.is_object() ? r.body.as_object().if_contains("error") : nullptr;
             e && e->is_object()) {
    std::cerr << "error: " << r.status << " " << text_of(e->at("code")) << ": "
              << text_of(e->at("message")) << "\n";
  } else {
    std::cerr << "error: " << r.status << " " << syncline::json_text(r.body) << "\n";
  }
  return 1;
}

std::optional<OpenOrg> open_org(const Env& env, const std::string& org) {
  auto resolved = env.api.call("GET", "/organizations/" + org);
  // A balancer's 502/503/504: no node answered, as good as unreachable (not the server's no).
  const bool gateway = resolved.status == 502 || resolved.status == 503 || resolved.status == 504;
  OpenOrg open;
  open.answered = resolved.status != 0;
  if (resolved.ok()) {
    open.id = std::string(resolved.body.at("id").as_string());
    const auto& slug = resolved.body.at("slug");
    if (slug.is_string()) remember_org(env.data_dir, std::string(slug.as_string()), open.id);
  } else if (resolved.status != 0 && !gateway) {
    fail(env, resolved);
    return std::nullopt;
  } else if (auto known = known_org(env.data_dir, org)) {
    open.id = *known;  // offline: an org this machine resolved before still works
  } else {
    std::cerr << "error: cannot reach the server at " << env.server_url << " ("
              << (gateway ? "the balancer answered " + std::to_string(resolved.status)
                          : resolved.error)
              << "), and this machine has never opened organization '" << org
              << "': run the command once while the server is reachable\n";
    return std::nullopt;
  }
  open.options = ClientOptions{env.server.host, env.server.port, env.api.token(), open.id,
                               env.data_dir + "/" + open.id};
  open.options.tls = env.server.tls;
  open.options.ca_file = env.server.ca_file;
  return open;
}
