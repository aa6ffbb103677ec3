// The route table of the API (DESIGN §4a). Handlers stay thin: parse, check, call a module.
#pragma once

#include "http/router.h"

namespace syncline::http {

Router make_router();

// Per-area registration, one file each.
void add_meta_routes(Router& r);
void add_ops_routes(Router& r);
void add_live_routes(Router& r);
void add_snapshot_routes(Router& r);
void add_auth_routes(Router& r);
void add_org_routes(Router& r);
void add_invitation_routes(Router& r);
void add_presence_routes(Router& r);
void add_entity_routes(Router& r);
void add_schema_routes(Router& r);

}  // namespace syncline::http
