// Field values between the wire and SQL: each JSON value is checked against its registry
// field (type, length, enum, nullability) and turned into a text-format statement
// parameter. Only server-writable fields are rejected here; unknown names are the caller's.
#pragma once

#include <boost/json/value.hpp>

#include "common/error.h"
#include "db/connection.h"
#include "entities/registry.h"

namespace syncline::entities {

// 400 INVALID_FIELD / READ_ONLY_FIELD with the field's name in the message.
Result<db::Param> to_param(const Field& f, const boost::json::value& v);
// The same checks of kind, length, enum and bounds, whoever may write the field (a shape's
// filter values, which may name server-set fields).
Result<db::Param> value_param(const Field& f, const boost::json::value& v);

}  // namespace syncline::entities
