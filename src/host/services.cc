// Building an application's host services at load: runtime config, grants, variables, --sqlite.
#include "host/services.h"

#include <filesystem>
#include <fstream>
#include <sstream>

namespace tern::host {

KvStore* ComponentServices::store(std::string_view label) const {
  auto it = stores.find(label);
  return it == stores.end() ? nullptr : it->second.get();
}

SqlDatabase* ComponentServices::database(std::string_view name) const {
  auto it = databases.find(name);
  return it == databases.end() ? nullptr : it->second.get();
}

Result<std::shared_ptr<KvStore>> AppServices::openStore(std::string_view label) {
  if (auto it = stores_.find(label); it != stores_.end()) return it->second;
  const KvStoreConfig* c = config_.store(label);
  if (!c && label != "default") {
    return fail(ErrorCode::kHostConfig, "key-value store '", label,
                "' is not configured (only \"default\" needs no runtime config entry)");
  }
  Result<std::shared_ptr<KvStore>> store;
  if (c && c->type == KvStoreConfig::Type::kRedis) {
    store = makeRedisKvStore(c->url);
  } else {
    std::string path = c && !c->path.empty() ? c->path : state_dir_ + "/sqlite_key_value.db";
    store = makeSqliteKvStore(path, std::string(label));
  }
  if (!store) return fail(store.error());
  stores_.emplace(std::string(label), *store);
  return store;
}

Result<std::shared_ptr<SqlDatabase>> AppServices::openDatabase(std::string_view name) {
  if (auto it = databases_.find(name); it != databases_.end()) return it->second;
  const SqliteDatabaseConfig* c = config_.database(name);
  if (!c && name != "default") {
    return fail(ErrorCode::kHostConfig, "sqlite database '", name,
                "' is not configured (only \"default\" needs no runtime config entry)");
  }
  std::string path = c && !c->path.empty() ? c->path : state_dir_ + "/sqlite_db.db";
  auto db = openSqlDatabase(path);
  if (!db) return fail(db.error());
  databases_.emplace(std::string(name), *db);
  return db;
}

Result<void> AppServices::runSqliteStatements(const std::vector<std::string>& statements) {
  if (statements.empty()) return {};
  auto db = openDatabase("default");
  if (!db) return fail(db.error());
  for (const auto& s : statements) {
    std::string text = s;
    if (s.starts_with('@')) {  // `--sqlite @file.sql`, as in Spin
      std::ifstream in(s.substr(1), std::ios::binary);
      if (!in) return fail(ErrorCode::kIo, "--sqlite: cannot read ", s.substr(1));
      std::ostringstream ss;
      ss << in.rdbuf();
      text = ss.str();
    }
    if (auto r = (*db)->executeScript(text); !r) {
      return fail(ErrorCode::kHostConfig, "--sqlite ", s, ": ", r.error().message);
    }
  }
  return {};
}

// `--key-value KEY=VALUE`, as Spin: the "default" store, any existing value overwritten.
Result<void> AppServices::seedKeyValues(
    const std::vector<std::pair<std::string, std::string>>& entries) {
  if (entries.empty()) return {};
  auto store = openStore("default");
  if (!store) return fail(store.error());
  for (const auto& [key, value] : entries) {
    Result<void> checked = checkKey(key);
    if (checked) checked = checkValue(value);
    if (checked) checked = (*store)->set(key, value);
    if (!checked) {
      return fail(checked.error().code, "--key-value ", key, ": ", checked.error().message);
    }
  }
  return {};
}

Result<std::unique_ptr<AppServices>> AppServices::create(const manifest::Manifest& manifest,
                                                         const ServicesOptions& options) {
  std::unique_ptr<AppServices> app(new AppServices());
  app->state_dir_ = options.state_dir.empty() ? manifest.dir + "/.spin" : options.state_dir;
  if (!options.runtime_config_file.empty()) {
    auto rc = loadRuntimeConfig(options.runtime_config_file);
    if (!rc) return fail(rc.error());
    app->config_ = std::move(*rc);
  }
  auto values = resolveVariables(manifest.variables, app->config_.variables_providers,
                                 options.env, options.variables);
  if (!values) return fail(values.error());
  for (const auto& c : manifest.components) {
    ComponentServices cs;
    cs.id = c.id;
    auto where = [&](const Error& e) {
      return fail(e.code, "component '", c.id, "': ", e.message);
    };
    for (const auto& label : c.key_value_stores) {
      auto store = app->openStore(label);
      if (!store) return where(store.error());
      cs.stores.emplace(label, *store);
    }
    for (const auto& name : c.sqlite_databases) {
      auto db = app->openDatabase(name);
      if (!db) return where(db.error());
      cs.databases.emplace(name, *db);
    }
    for (const auto& [name, tmpl] : c.variables) {
      auto v = expandTemplate(tmpl, *values);
      if (!v) return where(Error{v.error().code, "variable `" + name + "`: " + v.error().message});
      cs.variables.emplace(name, std::move(*v));
    }
    // Spin: `allowed_outbound_hosts` entries may use application variables (`{{ name }}`).
    for (const auto& entry : c.allowed_outbound_hosts) {
      auto v = expandTemplate(entry, *values);
      if (!v) {
        return where(Error{v.error().code, "allowed_outbound_hosts `" + entry + "`: " +
                                               v.error().message});
      }
      cs.allowed_outbound_hosts.push_back(std::move(*v));
    }
    app->components_.emplace(c.id, std::move(cs));
  }
  TERN_TRY(app->runSqliteStatements(options.sqlite_statements));
  TERN_TRY(app->seedKeyValues(options.key_values));
  return app;
}

const ComponentServices* AppServices::component(std::string_view id) const {
  auto it = components_.find(id);
  return it == components_.end() ? nullptr : &it->second;
}

}  // namespace tern::host
