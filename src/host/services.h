// The host services of one application, built once at load from the manifest and the runtime
// config: key-value stores, SQLite databases and resolved variables, and per component the subset
// it was granted. Bindings (bindings.h) reach them per request through ComponentServices.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"
#include "host/kv_store.h"
#include "host/runtime_config.h"
#include "host/sqlite_db.h"
#include "host/variables.h"
#include "manifest/manifest.h"

namespace tern::host {

// What one component may use. Immutable after load; shared by every request of the component
// (the stores and databases are thread-safe).
struct ComponentServices {
  std::string id;
  // Granted (`key_value_stores`/`sqlite_databases`) and configured; any other label is denied.
  std::map<std::string, std::shared_ptr<KvStore>, std::less<>> stores;
  std::map<std::string, std::shared_ptr<SqlDatabase>, std::less<>> databases;
  // The component's `variables`, templates expanded: what variables.get / wasi:config see.
  std::map<std::string, std::string, std::less<>> variables;
  // The component's `allowed_outbound_hosts` with `{{ name }}` application variables expanded.
  std::vector<std::string> allowed_outbound_hosts;

  KvStore* store(std::string_view label) const;
  SqlDatabase* database(std::string_view name) const;
};

struct ServicesOptions {
  std::string runtime_config_file;  // empty: defaults only
  // `tern up --sqlite`: statements (or "@file.sql") run on the "default" database at load.
  std::vector<std::string> sqlite_statements;
  std::string state_dir;  // empty: `.spin/` beside the manifest
  EnvLookup env = processEnv();
  // `tern up --variable`: values that win over every provider (variables.h).
  VariableValues variables;
  // `tern up --key-value KEY=VALUE`: set in the "default" store at load, after --sqlite.
  std::vector<std::pair<std::string, std::string>> key_values;
};

class AppServices {
 public:
  // Opens what the components were granted (creating `.spin/` files on first use), resolves
  // variables, runs the --sqlite statements and sets the --key-value entries. Errors
  // (kHostConfig/kIo/kHostLimit), all at load:
  // a granted store or database with no configuration (only "default" is implicit), a required
  // variable with no value, an unreadable runtime config, a failing --sqlite statement, a
  // --key-value key or value over the store's limits.
  static Result<std::unique_ptr<AppServices>> create(const manifest::Manifest& manifest,
                                                     const ServicesOptions& options);
  // The component's services; null for an unknown id.
  const ComponentServices* component(std::string_view id) const;

 private:
  AppServices() = default;
  Result<std::shared_ptr<KvStore>> openStore(std::string_view label);
  Result<std::shared_ptr<SqlDatabase>> openDatabase(std::string_view name);
  Result<void> runSqliteStatements(const std::vector<std::string>& statements);
  Result<void> seedKeyValues(const std::vector<std::pair<std::string, std::string>>& entries);

  std::string state_dir_;
  RuntimeConfig config_;
  std::map<std::string, std::shared_ptr<KvStore>, std::less<>> stores_;
  std::map<std::string, std::shared_ptr<SqlDatabase>, std::less<>> databases_;
  std::map<std::string, ComponentServices, std::less<>> components_;
};

}  // namespace tern::host
