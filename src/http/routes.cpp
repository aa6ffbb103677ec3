#include "http/routes.h"

namespace syncline::http {

Router make_router() {
  Router r;
  add_meta_routes(r);
  add_ops_routes(r);
  add_live_routes(r);
  add_snapshot_routes(r);
  add_auth_routes(r);
  add_org_routes(r);
  add_invitation_routes(r);
  add_presence_routes(r);
  add_entity_routes(r);
  add_schema_routes(r);
  return r;
}

}  // namespace syncline::http
