#include "db/own_schema.h"

#include "db/sql.h"

namespace syncline::db {

namespace {
std::string& current() {
  static std::string name(kDefaultOwnSchema);
  return name;
}
}  // namespace

bool valid_own_schema(std::string_view name) {
  return is_plain_identifier(name) && name != "public" && name != "information_schema" &&
         !name.starts_with("pg_");
}

void set_own_schema(std::string name) {
  current() = std::move(name);
}

const std::string& own_schema() {
  return current();
}

std::string application_name(std::string_view role) {
  return "syncline:" + std::string(role);
}

}  // namespace syncline::db
