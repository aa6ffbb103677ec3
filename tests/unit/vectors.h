// The shared test vectors (tests/vectors/*.json): rules that exist in C++ and in the browser,
// one file of cases each, run by both suites (issue 27 item 7).
#pragma once

#include <boost/json/parse.hpp>
#include <fstream>
#include <sstream>
#include <string>

namespace syncline::test {

inline boost::json::value read_vectors(const std::string& file) {
  std::ifstream in(std::string(SYNCLINE_VECTORS_DIR) + "/" + file);
  std::stringstream text;
  text << in.rdbuf();
  return boost::json::parse(text.str());
}

}  // namespace syncline::test
