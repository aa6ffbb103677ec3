// syncline-cli: values and `--where` (issue 14, DESIGN §16). A value on the command line is JSON
// when it parses, else text. `--where [TYPE.]FIELD=VALUE` (repeatable, all must hold) makes the
// shape of `list` and `watch`: VALUE null is IS NULL, a JSON array is IN; TYPE defaults to the
// command's type (`watch` must name it). The server checks the shape (400 with the reason).
#pragma once

#include <boost/json/value.hpp>
#include <string>
#include <variant>
#include <vector>

#include "syncline/shape.h"

boost::json::value value_of(const std::string& text);

// The shape, or why the arguments do not make one.
std::variant<syncline::client::Shape, std::string> where_shape(
    const std::vector<std::string>& where, const std::string& default_type);
