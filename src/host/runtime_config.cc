// Parsing of Spin's runtime-config.toml with toml++ (errors collected by the manifest stage's
// ParseContext, so messages read like manifest errors).
#include "host/runtime_config.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "manifest/parse_context.h"

namespace tern::host {
namespace {

using manifest::detail::ParseContext;

void parseStores(ParseContext& ctx, const toml::table& t, RuntimeConfig& out) {
  for (const auto& [key, node] : t) {
    std::string name(key.str());
    std::string where = "[key_value_store." + name + "]";
    const auto* st = node.as_table();
    if (!st) {
      ctx.error(node.source(), where + " must be a table");
      continue;
    }
    auto type = ctx.getString(*st, "type", where, true);
    if (!type) continue;
    KvStoreConfig c;
    c.name = name;
    if (*type == "spin") {
      ctx.checkKeys(*st, {"type", "path"}, where);
      if (auto p = ctx.getString(*st, "path", where)) c.path = ctx.resolve(*p);
    } else if (*type == "redis") {
      ctx.checkKeys(*st, {"type", "url"}, where);
      c.type = KvStoreConfig::Type::kRedis;
      auto url = ctx.getString(*st, "url", where, true);
      if (!url) continue;
      c.url = *url;
    } else {
      ctx.error(st->get("type")->source(), "unsupported key-value store type '" + *type + "' in " +
                                               where + " (tern has spin, redis)");
      continue;
    }
    out.key_value_stores.push_back(std::move(c));
  }
}

void parseDatabases(ParseContext& ctx, const toml::table& t, RuntimeConfig& out) {
  for (const auto& [key, node] : t) {
    std::string name(key.str());
    std::string where = "[sqlite_database." + name + "]";
    const auto* st = node.as_table();
    if (!st) {
      ctx.error(node.source(), where + " must be a table");
      continue;
    }
    ctx.checkKeys(*st, {"type", "path"}, where);
    auto type = ctx.getString(*st, "type", where, true);
    if (!type) continue;
    if (*type != "spin") {
      ctx.error(st->get("type")->source(), "unsupported sqlite database type '" + *type + "' in " +
                                               where + " (tern has spin)");
      continue;
    }
    SqliteDatabaseConfig c;
    c.name = name;
    if (auto p = ctx.getString(*st, "path", where)) c.path = ctx.resolve(*p);
    out.sqlite_databases.push_back(std::move(c));
  }
}

void parseProviders(ParseContext& ctx, const toml::node& n, RuntimeConfig& out) {
  const auto* arr = n.as_array();
  if (!arr) {
    ctx.error(n.source(),
              "`variables_provider` must be an array of tables ([[variables_provider]])");
    return;
  }
  for (const toml::node& e : *arr) {
    const auto* t = e.as_table();
    std::string where = "a [[variables_provider]] entry";
    if (!t) {
      ctx.error(e.source(), where + " must be a table");
      continue;
    }
    auto type = ctx.getString(*t, "type", where, true);
    if (!type) continue;
    VariablesProviderConfig c;
    if (*type == "static") {
      ctx.checkKeys(*t, {"type", "values"}, where);
      c.values = ctx.getStringMap(*t, "values", where);
    } else if (*type == "env") {
      ctx.checkKeys(*t, {"type", "prefix"}, where);
      c.type = VariablesProviderConfig::Type::kEnv;
      if (auto p = ctx.getString(*t, "prefix", where)) c.prefix = *p;
    } else {
      ctx.error(t->get("type")->source(),
                "unsupported variables provider type '" + *type + "' (tern has static, env)");
      continue;
    }
    out.variables_providers.push_back(std::move(c));
  }
}

}  // namespace

const KvStoreConfig* RuntimeConfig::store(std::string_view name) const {
  for (const auto& s : key_value_stores) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

const SqliteDatabaseConfig* RuntimeConfig::database(std::string_view name) const {
  for (const auto& d : sqlite_databases) {
    if (d.name == name) return &d;
  }
  return nullptr;
}

Result<RuntimeConfig> parseRuntimeConfig(std::string_view text, const std::string& path) {
  auto dir = std::filesystem::absolute(path).parent_path().string();
  ParseContext ctx(path, dir);
  toml::parse_result parsed = toml::parse(text, path);
  if (!parsed) {
    ctx.error(parsed.error().source(), std::string(parsed.error().description()));
    return fail(ErrorCode::kHostConfig, ctx.report());
  }
  const toml::table& root = parsed.table();
  RuntimeConfig out;
  ctx.checkKeys(root,
                {"key_value_store", "sqlite_database", "variables_provider", "config_provider"},
                "the runtime config");
  if (const auto* t = ctx.getTable(root, "key_value_store", "the runtime config")) {
    parseStores(ctx, *t, out);
  }
  if (const auto* t = ctx.getTable(root, "sqlite_database", "the runtime config")) {
    parseDatabases(ctx, *t, out);
  }
  for (std::string_view key : {"variables_provider", "config_provider"}) {
    if (const toml::node* n = root.get(key)) parseProviders(ctx, *n, out);
  }
  if (!ctx.ok()) return fail(ErrorCode::kHostConfig, ctx.report());
  return out;
}

Result<RuntimeConfig> loadRuntimeConfig(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(ErrorCode::kIo, "cannot read runtime config ", path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return parseRuntimeConfig(ss.str(), path);
}

}  // namespace tern::host
