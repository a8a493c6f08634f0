// Load-time host services: runtime-config parsing, variable providers and templates, grants and
// state files, --sqlite statements; every problem is a load error naming its cause.
#include "host/services.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "common/limits.h"

namespace tern::host {
namespace {

namespace fs = std::filesystem;

class ServicesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = (fs::temp_directory_path() / ("tern_services_" + std::to_string(getpid()))).string();
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    options_.env = [this](const std::string& name) -> std::optional<std::string> {
      auto it = env_.find(name);
      if (it == env_.end()) return std::nullopt;
      return it->second;
    };
  }
  void TearDown() override { fs::remove_all(dir_); }

  manifest::Manifest manifest(const std::string& body) {
    std::string text = "spin_manifest_version = 2\n[application]\nname = \"t\"\n" + body;
    manifest::LoadOptions lo;
    lo.check_files = false;
    auto m = manifest::parseManifest(text, dir_ + "/spin.toml", lo);
    EXPECT_TRUE(m.has_value()) << (m ? "" : m.error().message);
    return m ? *m : manifest::Manifest{};
  }
  std::string write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ + "/" + name) << text;
    return dir_ + "/" + name;
  }

  std::string dir_;
  std::map<std::string, std::string> env_;
  ServicesOptions options_;
};

constexpr const char* kTrigger =
    "[[trigger.http]]\nroute = \"/...\"\ncomponent = \"web\"\n"
    "[component.web]\nsource = \"web.wasm\"\n";

TEST_F(ServicesTest, RuntimeConfigParsesSpinFormat) {
  auto rc = parseRuntimeConfig(
      "[key_value_store.default]\ntype = \"spin\"\npath = \"data/kv.db\"\n"
      "[key_value_store.cache]\ntype = \"redis\"\nurl = \"redis://127.0.0.1:6379\"\n"
      "[sqlite_database.default]\ntype = \"spin\"\npath = \"/abs/app.db\"\n"
      "[[variables_provider]]\ntype = \"static\"\nvalues = { token = \"t0k\" }\n"
      "[[config_provider]]\ntype = \"env\"\nprefix = \"MYAPP\"\n",
      dir_ + "/runtime-config.toml");
  ASSERT_TRUE(rc.has_value()) << rc.error().message;
  ASSERT_EQ(rc->key_value_stores.size(), 2u);
  EXPECT_EQ(rc->store("default")->path, dir_ + "/data/kv.db");
  EXPECT_EQ(rc->store("cache")->type, KvStoreConfig::Type::kRedis);
  EXPECT_EQ(rc->database("default")->path, "/abs/app.db");
  ASSERT_EQ(rc->variables_providers.size(), 2u);
  EXPECT_EQ(rc->variables_providers[1].prefix, "MYAPP");
}

TEST_F(ServicesTest, RuntimeConfigErrorsAreAllReported) {
  auto rc = parseRuntimeConfig(
      "[key_value_store.a]\ntype = \"dynamodb\"\n"
      "[key_value_store.b]\ntype = \"redis\"\n"
      "[sqlite_database.c]\ntype = \"libsql\"\n"
      "[llm_compute]\ntype = \"x\"\n",
      "rc.toml");
  ASSERT_FALSE(rc.has_value());
  const std::string& m = rc.error().message;
  EXPECT_NE(m.find("dynamodb"), std::string::npos) << m;
  EXPECT_NE(m.find("url"), std::string::npos) << m;
  EXPECT_NE(m.find("libsql"), std::string::npos) << m;
  EXPECT_NE(m.find("llm_compute"), std::string::npos) << m;
  EXPECT_FALSE(parseRuntimeConfig("[key_value_store", "rc.toml").has_value());
  EXPECT_EQ(loadRuntimeConfig(dir_ + "/none.toml").error().code, ErrorCode::kIo);
}

TEST_F(ServicesTest, VariablesFromEnvironmentStaticConfigAndDefaults) {
  auto m = manifest(
      std::string("[variables]\nurl = { default = \"http://dflt\" }\ntoken = { required = true }\n"
                  "tier = { default = \"free\" }\n") +
      kTrigger +
      "[component.web.variables]\nendpoint = \"{{ url }}/api?t={{token}}\"\ntier = \"{{ tier "
      "}}\"\n");
  env_["SPIN_VARIABLE_TOKEN"] = "from-env";
  auto rc =
      write("rc.toml", "[[variables_provider]]\ntype = \"static\"\nvalues = { tier = \"pro\" }\n");
  options_.runtime_config_file = rc;
  auto app = AppServices::create(m, options_);
  ASSERT_TRUE(app.has_value()) << app.error().message;
  const ComponentServices* web = (*app)->component("web");
  ASSERT_NE(web, nullptr);
  EXPECT_EQ(web->variables.at("endpoint"), "http://dflt/api?t=from-env");
  EXPECT_EQ(web->variables.at("tier"), "pro");
  EXPECT_EQ(web->variables.size(), 2u);
  EXPECT_EQ((*app)->component("nope"), nullptr);
}

// `tern up --variable` wins over the runtime config, the environment and the default.
TEST_F(ServicesTest, CommandLineVariablesWinOverEveryProvider) {
  auto m = manifest(std::string("[variables]\ntier = { default = \"free\" }\n"
                                "token = { required = true }\nurl = { default = \"u\" }\n") +
                    kTrigger +
                    "[component.web.variables]\ntier = \"{{ tier }}\"\ntoken = \"{{ token }}\"\n"
                    "url = \"{{ url }}\"\n");
  env_["SPIN_VARIABLE_TIER"] = "from-env";
  options_.runtime_config_file =
      write("rc.toml", "[[variables_provider]]\ntype = \"static\"\nvalues = { tier = \"pro\" }\n");
  options_.variables = {{"tier", "from-cli"}, {"token", "t0k"}, {"undeclared", "x"}};
  auto app = AppServices::create(m, options_);
  ASSERT_TRUE(app.has_value()) << app.error().message;
  const ComponentServices* web = (*app)->component("web");
  EXPECT_EQ(web->variables.at("tier"), "from-cli");
  EXPECT_EQ(web->variables.at("token"), "t0k");  // a required variable set only on the CLI
  EXPECT_EQ(web->variables.at("url"), "u");
  EXPECT_EQ(web->variables.size(), 3u);
}

// `tern up --key-value` seeds the default store (granted or not), overwriting what was there.
TEST_F(ServicesTest, KeyValueFlagsSeedTheDefaultStore) {
  auto m = manifest(std::string(kTrigger) + "key_value_stores = [\"default\"]\n");
  options_.state_dir = dir_ + "/state";
  options_.key_values = {{"greeting", "hi"}, {"n", "1"}, {"n", "2"}};
  {
    auto app = AppServices::create(m, options_);
    ASSERT_TRUE(app.has_value()) << app.error().message;
    KvStore* store = (*app)->component("web")->store("default");
    ASSERT_NE(store, nullptr);
    EXPECT_EQ(store->get("greeting").value(), std::optional<std::string>("hi"));
    EXPECT_EQ(store->get("n").value(), std::optional<std::string>("2"));
  }
  options_.key_values = {{std::string(limits::kMaxKvKeyBytes + 1, 'k'), "too long a key"}};
  auto bad = AppServices::create(m, options_);
  ASSERT_FALSE(bad.has_value());
  EXPECT_NE(bad.error().message.find("--key-value"), std::string::npos) << bad.error().message;
}

TEST_F(ServicesTest, AllowedOutboundHostsExpandApplicationVariables) {
  auto m = manifest(std::string("[variables]\napi_host = { default = \"127.0.0.1\" }\n") +
                    kTrigger +
                    "allowed_outbound_hosts = [\"http://{{ api_host }}:8080\", \"https://x.dev\"]\n");
  env_["SPIN_VARIABLE_API_HOST"] = "10.1.2.3";
  auto app = AppServices::create(m, options_);
  ASSERT_TRUE(app.has_value()) << app.error().message;
  const ComponentServices* web = (*app)->component("web");
  ASSERT_NE(web, nullptr);
  EXPECT_EQ(web->allowed_outbound_hosts,
            (std::vector<std::string>{"http://10.1.2.3:8080", "https://x.dev"}));

  auto bad = manifest(std::string(kTrigger) + "allowed_outbound_hosts = [\"http://{{ nope }}\"]\n");
  auto app2 = AppServices::create(bad, options_);
  ASSERT_FALSE(app2.has_value());
  EXPECT_NE(app2.error().message.find("allowed_outbound_hosts"), std::string::npos)
      << app2.error().message;
}

TEST_F(ServicesTest, MissingRequiredVariableFailsAtLoadNamingIt) {
  auto m = manifest(std::string("[variables]\napi_key = { required = true, secret = true }\n") +
                    kTrigger);
  auto app = AppServices::create(m, options_);
  ASSERT_FALSE(app.has_value());
  EXPECT_NE(app.error().message.find("api_key"), std::string::npos) << app.error().message;
  EXPECT_NE(app.error().message.find("SPIN_VARIABLE_API_KEY"), std::string::npos);
  EXPECT_EQ(expandTemplate("{{ x", {}).error().code, ErrorCode::kHostConfig);
  EXPECT_EQ(expandTemplate("a{{x}}b", {{"x", "1"}}).value(), "a1b");
}

TEST_F(ServicesTest, GrantsOpenStoresInTheStateFolder) {
  auto m = manifest(std::string(kTrigger) +
                    "key_value_stores = [\"default\"]\nsqlite_databases = [\"default\"]\n"
                    "[component.other]\nsource = \"o.wasm\"\n");
  auto app = AppServices::create(m, options_);
  ASSERT_TRUE(app.has_value()) << app.error().message;
  const ComponentServices* web = (*app)->component("web");
  ASSERT_NE(web->store("default"), nullptr);
  ASSERT_NE(web->database("default"), nullptr);
  EXPECT_EQ(web->store("other"), nullptr);
  EXPECT_EQ((*app)->component("other")->store("default"), nullptr);  // not granted
  EXPECT_TRUE(fs::exists(dir_ + "/.spin/sqlite_key_value.db"));
  EXPECT_TRUE(fs::exists(dir_ + "/.spin/sqlite_db.db"));
}

TEST_F(ServicesTest, UnconfiguredStoreOrDatabaseFailsAtLoad) {
  auto kv = AppServices::create(
      manifest(std::string(kTrigger) + "key_value_stores = [\"cache\"]\n"), options_);
  ASSERT_FALSE(kv.has_value());
  EXPECT_NE(kv.error().message.find("'cache'"), std::string::npos) << kv.error().message;
  EXPECT_NE(kv.error().message.find("web"), std::string::npos);
  auto db = AppServices::create(
      manifest(std::string(kTrigger) + "sqlite_databases = [\"analytics\"]\n"), options_);
  ASSERT_FALSE(db.has_value());
  EXPECT_NE(db.error().message.find("'analytics'"), std::string::npos);
}

TEST_F(ServicesTest, SqliteStatementsPrepareTheDefaultDatabase) {
  auto file =
      write("schema.sql", "CREATE TABLE pets (name TEXT); INSERT INTO pets VALUES ('rex');");
  options_.sqlite_statements = {"@" + file, "INSERT INTO pets VALUES ('tom')"};
  auto m = manifest(std::string(kTrigger) + "sqlite_databases = [\"default\"]\n");
  auto app = AppServices::create(m, options_);
  ASSERT_TRUE(app.has_value()) << app.error().message;
  auto conn = (*app)->component("web")->database("default")->acquire().value();
  auto rows = conn->execute("SELECT name FROM pets ORDER BY name", {}).value().rows;
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[1][0], SqlValue::ofText("tom"));

  options_.sqlite_statements = {"INSERT INTO nowhere VALUES (1)"};
  auto bad = AppServices::create(m, options_);
  ASSERT_FALSE(bad.has_value());
  EXPECT_NE(bad.error().message.find("nowhere"), std::string::npos);
  options_.sqlite_statements = {"@" + dir_ + "/missing.sql"};
  EXPECT_FALSE(AppServices::create(m, options_).has_value());
}

TEST_F(ServicesTest, RuntimeConfigRedisStoreIsUsed) {
  auto rc = write("rc.toml",
                  "[key_value_store.cache]\ntype = \"redis\"\nurl = \"redis://127.0.0.1:1\"\n");
  options_.runtime_config_file = rc;
  auto app = AppServices::create(
      manifest(std::string(kTrigger) + "key_value_stores = [\"cache\"]\n"), options_);
  ASSERT_TRUE(app.has_value()) << app.error().message;
  KvStore* cache = (*app)->component("web")->store("cache");
  ASSERT_NE(cache, nullptr);
  auto r = cache->get("k");  // nothing listens on port 1: a Redis connection error, as a value
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find("redis"), std::string::npos);
}

}  // namespace
}  // namespace tern::host
