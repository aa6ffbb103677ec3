// The OpenAPI document served at GET /openapi.json and rendered by /docs (SCHEMA-024):
// `api/openapi.json` documents every route but the entity types'; for each declared type,
// `api/entity_template.json` is filled in — its routes, schemas and tag named after the type,
// a permissions sentence from its grants, and every field's JSON Schema from the registry
// (kind, bounds, enum, default, nullability, read-only audit fields, references, description).
// Nothing per type is kept by hand. Built once, on first use; any thread may read it.
#pragma once

#include <boost/json/object.hpp>
#include <string>

namespace syncline::http {

const boost::json::object& openapi_object();
const std::string& openapi_text();

}  // namespace syncline::http
