// Statement: SQL text and its parameters made side by side. bind() appends a parameter and
// returns its placeholder, so a builder writes `"= " + s.bind(value)` where the value is used
// and the numbering can never drift from the parameter list. A builder that binds in the same
// order for the same shape of statement produces the same text, which Connection prepares once.
#pragma once

#include <string>
#include <utility>

#include "db/connection.h"

namespace syncline::db {

struct Statement {
  std::string sql;
  Params params;

  std::string bind(Param value) {
    params.push_back(std::move(value));
    return "$" + std::to_string(params.size());
  }
};

}  // namespace syncline::db
