// What each subcommand of the server binary runs (app/commands.cpp decides which): the API, the
// CDC worker, both, migrations, the schema's check and apply, the demo's seed. Each blocks until
// done; startup errors throw (main logs them and exits 1).
#pragma once

#include "common/config.h"
#include "entities/schema_db.h"

namespace syncline::app {

int run_migrate(const Config& cfg);
// `schema_checked`: the caller checked the database against the schema file already.
void run_serve(const Config& cfg, bool schema_checked = false);
void run_cdc(const Config& cfg);
void run_all(const Config& cfg);
int run_schema(const Config& cfg, bool apply, const entities::ApplyOptions& options);
void run_seed(const Config& cfg);

}  // namespace syncline::app
