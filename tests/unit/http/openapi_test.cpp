// The OpenAPI document served at GET /openapi.json (api/openapi.json plus what
// api/entity_template.json generates per declared type) stays in sync with the router and the
// entity registry: every registered route is documented, nothing else
// is, path parameters use the router's names, every $ref resolves, and the synced entity
// schemas list exactly the registry's fields (DESIGN §4, §4a, §9).
#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>
#include <cstdlib>
#include <regex>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "entities/registry.h"
#include "entities/schema_file.h"
#include "http/openapi_document.h"
#include "http/routes.h"

namespace syncline::http {
namespace assets {
const std::vector<std::pair<std::string_view, std::string_view>>& embedded_files();
}

namespace {

namespace json = boost::json;

const std::set<std::string> kHttpMethods = {"get",     "put",  "post",  "delete",
                                            "options", "head", "patch", "trace"};

std::string_view embedded(std::string_view name) {
  for (const auto& [n, content] : assets::embedded_files())
    if (n == name) return content;
  return {};
}

// CTest runs these checks a second time with SYNCLINE_TEST_SCHEMA naming the tracker schema
// (tests/data/tracker.yaml), so a document generated for another app's types is held to the
// same rules (SCHEMA-024). Installed before the first test reads the registry.
class SchemaFromEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    const char* file = std::getenv("SYNCLINE_TEST_SCHEMA");
    if (!file || !*file) return;
    auto loaded = entities::load_schema_file(file);
    if (auto* e = std::get_if<entities::SchemaError>(&loaded)) FAIL() << e->message();
    entities::install_schema(std::move(std::get<std::vector<entities::EntityType>>(loaded)));
  }
};
[[maybe_unused]] const auto* const kSchemaEnvironment =
    ::testing::AddGlobalTestEnvironment(new SchemaFromEnvironment);

// The document as served: the embedded base plus the generated entity types.
const json::value& root() {
  static const json::value doc = openapi_object();
  return doc;
}

const json::object& document() {
  return root().as_object();
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string str(const json::value& v) {
  return std::string(v.as_string());
}

// Resolves a local reference "#/a/b/c" (JSON pointer, with ~0/~1 escapes); nullptr if absent.
const json::value* resolve(std::string_view ref) {
  if (!ref.starts_with("#/")) return nullptr;
  const json::value* cur = &root();
  std::string_view rest = ref.substr(2);
  while (cur) {
    auto slash = rest.find('/');
    std::string token(rest.substr(0, slash));
    for (std::size_t p; (p = token.find("~1")) != std::string::npos;) token.replace(p, 2, "/");
    for (std::size_t p; (p = token.find("~0")) != std::string::npos;) token.replace(p, 2, "~");
    if (!cur->is_object()) return nullptr;
    cur = cur->as_object().if_contains(token);
    if (slash == std::string_view::npos) break;
    rest = rest.substr(slash + 1);
  }
  return cur;
}

// Follows a {"$ref": ...} object to what it names (one level is all the document uses).
const json::value& deref(const json::value& v) {
  if (v.is_object())
    if (auto r = v.as_object().if_contains("$ref"); r && r->is_string())
      if (auto target = resolve(r->as_string())) return *target;
  return v;
}

void collect_refs(const json::value& v, const std::string& where,
                  std::vector<std::pair<std::string, std::string>>& out) {
  if (v.is_object()) {
    for (const auto& kv : v.as_object()) {
      std::string here = where + "/" + std::string(kv.key());
      if (kv.key() == "$ref" && kv.value().is_string())
        out.emplace_back(str(kv.value()), where);
      else
        collect_refs(kv.value(), here, out);
    }
  } else if (v.is_array()) {
    std::size_t i = 0;
    for (const auto& e : v.as_array()) collect_refs(e, where + "/" + std::to_string(i++), out);
  }
}

std::set<std::string> template_names(std::string_view pattern) {
  std::set<std::string> out;
  for (std::size_t open = pattern.find('{'); open != std::string_view::npos;
       open = pattern.find('{', open + 1)) {
    auto close = pattern.find('}', open);
    if (close == std::string_view::npos) break;
    out.emplace(pattern.substr(open + 1, close - open - 1));
  }
  return out;
}

std::set<std::pair<std::string, std::string>> registered_operations() {
  std::set<std::pair<std::string, std::string>> ops;
  const Router router = make_router();  // routes() refers into it: keep it alive
  for (const auto& r : router.routes()) ops.emplace(r.pattern, lower(r.method));
  return ops;
}

const json::object& schema(const std::string& name) {
  return document().at("components").at("schemas").at(name).as_object();
}

std::set<std::string> keys_of(const json::object& o) {
  std::set<std::string> out;
  for (const auto& kv : o) out.emplace(kv.key());
  return out;
}

std::set<std::string> strings_of(const json::value* arr) {
  std::set<std::string> out;
  if (arr && arr->is_array())
    for (const auto& v : arr->as_array()) out.insert(str(v));
  return out;
}

std::string capitalized(std::string s) {
  if (!s.empty()) s[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(s[0])));
  return s;
}

TEST(OpenApi, DocumentIsEmbeddedAndIsOpenApi31SCHEMA024) {
  ASSERT_FALSE(embedded("openapi.json").empty()) << "openapi.json is not embedded";
  const auto& doc = document();
  ASSERT_TRUE(doc.contains("openapi"));
  EXPECT_TRUE(str(doc.at("openapi")).starts_with("3.1")) << doc.at("openapi");
  EXPECT_TRUE(doc.at("info").as_object().contains("title"));
  EXPECT_TRUE(doc.at("info").as_object().contains("version"));
  ASSERT_TRUE(doc.at("paths").is_object());
  const auto& schemes = doc.at("components").at("securitySchemes").as_object();
  ASSERT_TRUE(schemes.contains("bearerAuth"));
  EXPECT_EQ(str(schemes.at("bearerAuth").at("scheme")), "bearer");
  ASSERT_TRUE(schemes.contains("sessionCookie"));
  EXPECT_EQ(str(schemes.at("sessionCookie").at("in")), "cookie");
  EXPECT_EQ(str(schemes.at("sessionCookie").at("name")), "syncline_session");
}

TEST(OpenApi, EveryRouteIsDocumentedSCHEMA024) {
  const auto& paths = document().at("paths").as_object();
  const Router router = make_router();
  ASSERT_FALSE(router.routes().empty());
  for (const auto& r : router.routes()) {
    SCOPED_TRACE(r.method + " " + r.pattern);
    const json::value* item = paths.if_contains(r.pattern);
    ASSERT_TRUE(item && item->is_object()) << "path missing from openapi.json";
    const json::value* op = item->as_object().if_contains(lower(r.method));
    ASSERT_TRUE(op && op->is_object()) << "method missing from openapi.json";
    const json::value* responses = op->as_object().if_contains("responses");
    ASSERT_TRUE(responses && responses->is_object()) << "operation has no responses";
    EXPECT_FALSE(responses->as_object().empty());
  }
}

TEST(OpenApi, EveryDocumentedOperationIsRegisteredSCHEMA024) {
  auto ops = registered_operations();
  for (const auto& path : document().at("paths").as_object()) {
    std::string pattern(path.key());
    for (const auto& member : path.value().as_object()) {
      std::string key(member.key());
      SCOPED_TRACE(key + " " + pattern);
      if (!kHttpMethods.contains(key)) {
        // Path-item members that are not operations.
        EXPECT_TRUE(key == "summary" || key == "description" || key == "parameters" ||
                    key == "servers")
            << "unexpected path-item member";
        continue;
      }
      if (key == "head") {
        // The router serves HEAD with the GET handler of the same pattern.
        EXPECT_TRUE(ops.contains({pattern, "get"})) << "HEAD documented without a GET route";
        continue;
      }
      EXPECT_TRUE(ops.contains({pattern, key})) << "documented but not registered";
    }
  }
}

TEST(OpenApi, PathParametersMatchRouterNamesSCHEMA024) {
  for (const auto& path : document().at("paths").as_object()) {
    std::string pattern(path.key());
    auto expected = template_names(pattern);
    for (const auto& member : path.value().as_object()) {
      if (!kHttpMethods.contains(std::string(member.key()))) continue;
      SCOPED_TRACE(std::string(member.key()) + " " + pattern);
      std::set<std::string> declared;
      if (auto params = member.value().as_object().if_contains("parameters"))
        for (const auto& p : params->as_array()) {
          const auto& param = deref(p).as_object();
          if (str(param.at("in")) != "path") continue;
          EXPECT_TRUE(param.at("required").as_bool());
          declared.insert(str(param.at("name")));
        }
      EXPECT_EQ(declared, expected);
    }
  }
}

TEST(OpenApi, EveryRefResolvesToAComponentSCHEMA024) {
  std::vector<std::pair<std::string, std::string>> refs;
  collect_refs(root(), "#", refs);
  ASSERT_FALSE(refs.empty());
  for (const auto& [ref, where] : refs) {
    SCOPED_TRACE(ref + " at " + where);
    // Only whole components are referenced: #/components/<kind>/<name>.
    ASSERT_TRUE(ref.starts_with("#/components/"));
    EXPECT_EQ(std::count(ref.begin(), ref.end(), '/'), 3);
    const json::value* target = resolve(ref);
    ASSERT_NE(target, nullptr) << "dangling $ref";
    EXPECT_TRUE(target->is_object());
  }
}

TEST(OpenApi, OperationIdsAreUniqueSCHEMA024) {
  std::set<std::string> seen;
  for (const auto& path : document().at("paths").as_object())
    for (const auto& member : path.value().as_object()) {
      if (!kHttpMethods.contains(std::string(member.key()))) continue;
      const auto* id = member.value().as_object().if_contains("operationId");
      ASSERT_TRUE(id && id->is_string()) << member.key() << " " << path.key();
      EXPECT_TRUE(seen.insert(str(*id)).second) << "duplicate operationId " << *id;
    }
}

// ADOPT: summaries are English: "Create an attachment", never "Create a attachment".
TEST(OpenApi, SummariesTakeTheArticleOfTheirTypeNameSCHEMA024) {
  // Whatever the schema (this suite also runs on tests/data/tracker.yaml).
  const std::regex wrong_article(R"((^|\s)[Aa] [AEIOUaeiou])");
  int summaries = 0;
  for (const auto& path : document().at("paths").as_object())
    for (const auto& member : path.value().as_object()) {
      if (!kHttpMethods.contains(std::string(member.key()))) continue;
      std::string summary = str(member.value().as_object().at("summary"));
      ++summaries;
      EXPECT_FALSE(std::regex_search(summary, wrong_article)) << summary;
      EXPECT_EQ(summary.find("{{"), std::string::npos) << summary;
    }
  EXPECT_GT(summaries, 10);
}

// DESIGN §4: entity data, create data and the {data, tx} wrapper follow the registry.
TEST(OpenApi, EntitySchemasMatchRegistryAPI001) {
  for (const auto& type : entities::entity_types()) {
    SCOPED_TRACE(type.name);
    const std::string name = capitalized(type.name);
    std::set<std::string> fields{"id", "organizationId"}, read_only{"organizationId"}, writable,
        required{"id"};
    for (const auto& f : type.fields) {
      fields.insert(f.json);
      (f.writable() ? writable : read_only).insert(f.json);
      if (f.required) required.insert(f.json);
    }

    // The data the server answers: every field, server-set ones read-only.
    const auto& data = schema(name);
    const auto& props = data.at("properties").as_object();
    EXPECT_EQ(keys_of(props), fields);
    EXPECT_EQ(strings_of(data.if_contains("required")), fields);
    for (const auto& kv : props) {
      const auto* ro = kv.value().as_object().if_contains("readOnly");
      EXPECT_EQ(ro && ro->as_bool(), read_only.contains(std::string(kv.key()))) << kv.key();
    }

    // Create: id plus the writable fields; required as the registry says.
    const auto& create = schema(name + "CreateData");
    auto create_fields = writable;
    create_fields.insert({"id", "organizationId"});
    EXPECT_EQ(keys_of(create.at("properties").as_object()), create_fields);
    EXPECT_EQ(strings_of(create.if_contains("required")), required);
    EXPECT_FALSE(create.at("additionalProperties").as_bool());

    // Update: one writable field.
    const auto& update = schema(name + "UpdateData");
    EXPECT_EQ(keys_of(update.at("properties").as_object()), writable);
    EXPECT_EQ(update.at("maxProperties").as_int64(), 1);

    // The write routes take the mutation wrapper and answer the entity representation.
    const auto& paths = document().at("paths").as_object();
    const std::string base = "/organizations/{o}/" + type.plural;
    for (const auto& [pattern, method] : std::vector<std::pair<std::string, std::string>>{
             {base, "post"}, {base + "/{id}", "patch"}, {base + "/{id}", "delete"}}) {
      SCOPED_TRACE(method + " " + pattern);
      const auto& op = paths.at(pattern).at(method).as_object();
      const auto& body_schema =
          deref(op.at("requestBody").at("content").at("application/json").at("schema"));
      bool wraps = false;
      if (auto all = body_schema.as_object().if_contains("allOf"))
        for (const auto& s : all->as_array())
          if (auto r = s.as_object().if_contains("$ref"))
            wraps = wraps || str(*r) == "#/components/schemas/MutationRequest";
      EXPECT_TRUE(wraps) << "request body is not the {data, tx} wrapper";
      const auto& responses = op.at("responses").as_object();
      for (const char* status : {"400", "401", "403", "404", "409", "413", "415", "422"})
        EXPECT_TRUE(responses.contains(status)) << status;
    }
  }
}

// JS-005: /docs is Scalar's reference, embedded, over the generated document, loading nothing
// from elsewhere (no font CDN, no proxy, no telemetry).
TEST(OpenApi, DocsPageIsSelfContainedJS005) {
  std::string_view page = embedded("docs.html"), init = embedded("docs-init.js");
  ASSERT_FALSE(page.empty()) << "docs.html is not embedded";
  ASSERT_FALSE(init.empty()) << "docs-init.js is not embedded";
  EXPECT_GT(embedded("scalar-standalone.js").size(), 1'000'000u) << "Scalar's bundle";
  EXPECT_NE(page.find("src=\"/docs/scalar.js\""), std::string_view::npos);
  EXPECT_NE(init.find("url: '/openapi.json'"), std::string_view::npos);
  EXPECT_NE(init.find("withDefaultFonts: false"), std::string_view::npos);
  EXPECT_NE(init.find("proxyUrl: ''"), std::string_view::npos);
  for (std::string_view text : {page, init})
    for (std::string_view remote :
         {"src=\"http", "href=\"http", "src='http", "href='http", "@import", "url(http", "//cdn"})
      EXPECT_EQ(text.find(remote), std::string_view::npos) << remote;
}

}  // namespace
}  // namespace syncline::http
