// Spin-format runtime configuration (`tern up --runtime-config-file runtime-config.toml`): where
// key-value stores and SQLite databases live, and which variable providers answer.
//
//   [key_value_store.default]           type = "spin", path = ".spin/kv.db"  (path: optional)
//   [key_value_store.user_data]         type = "redis", url = "redis://127.0.0.1:6379"
//   [sqlite_database.default]           type = "spin", path = "data/app.db"
//   [[variables_provider]]              type = "static", values = { api_key = "..." }
//   [[variables_provider]]              type = "env", prefix = "MYAPP"  (default SPIN_VARIABLE)
//
// `config_provider` is accepted for `variables_provider`, as Spin does. Relative paths are taken
// from the runtime config file's folder. Unknown keys and types are errors.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"

namespace tern::host {

struct KvStoreConfig {
  enum class Type : uint8_t { kSpin, kRedis };
  std::string name;
  Type type = Type::kSpin;
  std::string path;  // kSpin: absolute file path; empty: the state folder's default file
  std::string url;   // kRedis
};

struct SqliteDatabaseConfig {
  std::string name;
  std::string path;  // absolute; empty: the state folder's default file
};

struct VariablesProviderConfig {
  enum class Type : uint8_t { kStatic, kEnv };
  Type type = Type::kStatic;
  std::vector<std::pair<std::string, std::string>> values;  // kStatic
  std::string prefix = "SPIN_VARIABLE";                     // kEnv
};

struct RuntimeConfig {
  std::vector<KvStoreConfig> key_value_stores;
  std::vector<SqliteDatabaseConfig> sqlite_databases;
  std::vector<VariablesProviderConfig> variables_providers;  // in priority order

  const KvStoreConfig* store(std::string_view name) const;
  const SqliteDatabaseConfig* database(std::string_view name) const;
};

// Reads and parses `path`. Errors: kIo when unreadable; kHostConfig with one
// "PATH:LINE:COL: message" line per problem.
Result<RuntimeConfig> loadRuntimeConfig(const std::string& path);
Result<RuntimeConfig> parseRuntimeConfig(std::string_view text, const std::string& path);

}  // namespace tern::host
