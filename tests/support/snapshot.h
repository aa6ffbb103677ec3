// Reading GET /organizations/{o}/snapshot in tests (DESIGN §18): the whole answer, split into
// its entity lines and its last line.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <optional>
#include <string>
#include <vector>

#include "support/http_client.h"

namespace syncline::test {

struct Snapshot {
  int status = 0;
  std::string content_type;
  std::vector<boost::json::object> entities;  // {"entityType","data","fieldTx","tx"}
  std::optional<boost::json::object> last;    // {"offset","rows","ledgerFrom"}
  HttpResponse response;
};

inline Snapshot read_snapshot(const Http& http, const std::string& org, const std::string& token,
                              const std::string& query = "") {
  Snapshot out;
  out.response = http.get("/organizations/" + org + "/snapshot" + query, token);
  out.status = out.response.status;
  out.content_type = out.response.headers["content-type"];
  if (out.status != 200) return out;
  const std::string& body = out.response.body;
  for (std::size_t at = 0; at < body.size();) {
    auto nl = body.find('\n', at);
    if (nl == std::string::npos) break;  // a cut answer: no line after the last newline
    auto v = boost::json::parse(std::string_view(body).substr(at, nl - at)).as_object();
    if (v.contains("offset"))
      out.last = std::move(v);
    else
      out.entities.push_back(std::move(v));
    at = nl + 1;
  }
  return out;
}

}  // namespace syncline::test
