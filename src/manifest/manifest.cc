// Spin manifest v2 parser: application, variables, [[trigger.http]] and components.
#include "manifest/manifest.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "manifest/parse_context.h"
#include "manifest/v1.h"

namespace tern::manifest {
namespace {

namespace fs = std::filesystem;
using detail::ParseContext;

void parseApplication(ParseContext& ctx, const toml::table& root, Application& app) {
  const toml::table* t = ctx.getTable(root, "application", "the manifest");
  if (!t) {
    if (!root.get("application"))
      ctx.error(SourcePos{1, 1}, "missing required table [application]");
    return;
  }
  ctx.checkKeys(*t, {"name", "version", "description", "authors", "trigger", "tool"},
                "[application]");
  app.name = ctx.getString(*t, "name", "[application]", true).value_or("");
  app.version = ctx.getString(*t, "version", "[application]").value_or("");
  app.description = ctx.getString(*t, "description", "[application]").value_or("");
  app.authors = ctx.getStringList(*t, "authors", "[application]");
  if (const toml::table* triggers = ctx.getTable(*t, "trigger", "[application]")) {
    for (auto&& [type, cfg] : *triggers) {
      std::string in = "[application.trigger." + std::string(type.str()) + "]";
      const toml::table* c = cfg.as_table();
      if (!c) {
        ctx.error(cfg.source(), in + " must be a table");
        continue;
      }
      if (type.str() != "http") continue;  // other trigger types are reported at [[trigger.X]]
      ctx.checkKeys(*c, {"base"}, in);
      if (auto base = ctx.getString(*c, "base", in)) {
        if (!base->starts_with('/')) {
          ctx.error(c->get("base")->source(), "`base` in " + in + " must start with '/'");
        } else {
          app.http_base = *base;
        }
      }
    }
  }
}

void parseVariables(ParseContext& ctx, const toml::table& root, std::vector<Variable>& out) {
  const toml::table* t = ctx.getTable(root, "variables", "the manifest");
  if (!t) return;
  for (auto&& [name, v] : *t) {
    Variable var;
    var.name = std::string(name.str());
    var.pos = ctx.pos(name.source());
    std::string in = "variable `" + var.name + "`";
    if (!detail::isSnakeId(var.name)) {
      ctx.error(name.source(), in + ": variable names must be lower snake_case");
    }
    const toml::table* vt = v.as_table();
    if (!vt) {
      ctx.error(v.source(), in + " must be a table like { default = \"...\" } or "
                                 "{ required = true }");
      continue;
    }
    ctx.checkKeys(*vt, {"default", "required", "secret"}, in);
    var.default_value = ctx.getString(*vt, "default", in);
    var.required = ctx.getBool(*vt, "required", in).value_or(false);
    var.secret = ctx.getBool(*vt, "secret", in).value_or(false);
    if (var.required && var.default_value) {
      ctx.error(v.source(), in + " cannot be both `required` and have a `default`");
    }
    out.push_back(std::move(var));
  }
}

std::optional<Executor> parseExecutor(ParseContext& ctx, const toml::node& n) {
  Executor e;
  const toml::table* t = n.as_table();
  if (!t) {
    ctx.error(n.source(), "`executor` must be a table like { type = \"wagi\" }");
    return std::nullopt;
  }
  auto type = ctx.getString(*t, "type", "`executor`", true);
  if (!type) return std::nullopt;
  if (*type == "http" || *type == "spin") {
    ctx.checkKeys(*t, {"type"}, "`executor`");
    e.kind = ExecutorKind::kHttp;
  } else if (*type == "wagi") {
    ctx.checkKeys(*t, {"type", "argv", "entrypoint"}, "`executor`");
    e.kind = ExecutorKind::kWagi;
    if (auto argv = ctx.getString(*t, "argv", "`executor`")) e.argv = *argv;
    if (auto entry = ctx.getString(*t, "entrypoint", "`executor`")) e.entrypoint = *entry;
  } else {
    ctx.error(t->get("type")->source(),
              "unknown executor type '" + *type + "' (expected \"http\" or \"wagi\")");
    return std::nullopt;
  }
  return e;
}

std::optional<StaticResponse> parseStaticResponse(ParseContext& ctx, const toml::node& n) {
  const toml::table* t = n.as_table();
  std::string in = "`static_response`";
  if (!t) {
    ctx.error(n.source(), in + " must be a table");
    return std::nullopt;
  }
  ctx.checkKeys(*t, {"status_code", "headers", "body"}, in);
  StaticResponse r;
  if (auto code = ctx.getInt(*t, "status_code", in)) {
    if (*code < 100 || *code > 999) {
      ctx.error(t->get("status_code")->source(), "`status_code` must be 100..999");
    } else {
      r.status_code = static_cast<uint16_t>(*code);
    }
  }
  r.headers = ctx.getStringMap(*t, "headers", in);
  r.body = ctx.getString(*t, "body", in).value_or("");
  return r;
}

void parseRoute(ParseContext& ctx, const toml::table& t, HttpTrigger& trig, std::string_view in) {
  const toml::node* n = t.get("route");
  if (!n) {
    ctx.error(t.source(), "missing required key `route` in " + std::string(in));
    return;
  }
  if (const auto* s = n->as_string()) {
    auto r = manifest::parseRoute(s->get());
    if (!r) {
      ctx.error(n->source(), "invalid route: " + r.error().message);
      return;
    }
    trig.route = std::move(*r);
  } else if (const auto* p = n->as_table()) {
    ctx.checkKeys(*p, {"private"}, "`route`");
    auto priv = ctx.getBool(*p, "private", "`route`");
    if (!priv || !*priv) {
      ctx.error(n->source(), "route must be a string pattern or `{ private = true }`");
      return;
    }
    trig.route.is_private = true;
  } else {
    ctx.error(n->source(), "route must be a string pattern or `{ private = true }`");
  }
}

struct InlineComponent {
  const toml::table* table;
  size_t trigger_index;
};

void parseHttpTriggers(ParseContext& ctx, const toml::array& arr, Manifest& m,
                       std::vector<InlineComponent>& inlines) {
  for (const toml::node& node : arr) {
    const toml::table* t = node.as_table();
    if (!t) {
      ctx.error(node.source(), "entries of [[trigger.http]] must be tables");
      continue;
    }
    std::string in = "[[trigger.http]]";
    ctx.checkKeys(*t, {"id", "component", "components", "route", "executor", "static_response"},
                  in);
    HttpTrigger trig;
    trig.pos = ctx.pos(t->source());
    trig.id = ctx.getString(*t, "id", in).value_or("");
    parseRoute(ctx, *t, trig, in);
    if (const toml::node* e = t->get("executor")) {
      if (auto ex = parseExecutor(ctx, *e)) trig.executor = *ex;
    }
    if (const toml::node* s = t->get("static_response")) {
      trig.static_response = parseStaticResponse(ctx, *s);
    }
    if (const toml::node* c = t->get("components")) {
      ctx.error(c->source(), "`components` (middleware chains) is not supported yet");
    }
    const toml::node* comp = t->get("component");
    if (comp && trig.static_response) {
      ctx.error(comp->source(), "a trigger has either `component` or `static_response`, not both");
    } else if (comp) {
      if (const auto* s = comp->as_string()) {
        trig.component = s->get();
        if (!m.component(trig.component)) {
          ctx.error(comp->source(), "trigger refers to component `" + trig.component +
                                        "`, which has no [component." + trig.component + "] table");
        }
      } else if (const auto* it = comp->as_table()) {
        inlines.push_back({it, m.http_triggers.size()});
      } else {
        ctx.error(comp->source(), "`component` must be a component id or an inline table");
      }
    } else if (!trig.static_response) {
      ctx.error(t->source(), "missing required key `component` in " + in);
    }
    m.http_triggers.push_back(std::move(trig));
  }
}

void parseTriggers(ParseContext& ctx, const toml::table& root, Manifest& m,
                   std::vector<InlineComponent>& inlines) {
  const toml::node* n = root.get("trigger");
  if (!n) {
    ctx.error(SourcePos{1, 1}, "missing required table [[trigger.http]]: no triggers defined");
    return;
  }
  const toml::table* t = ctx.getTable(root, "trigger", "the manifest");
  if (!t) return;
  for (auto&& [type, v] : *t) {
    if (type.str() != "http") {
      ctx.error(type.source(), "trigger type `" + std::string(type.str()) +
                                   "` is not supported (tern serves `http` triggers)");
      continue;
    }
    const toml::array* arr = v.as_array();
    if (!arr) {
      ctx.error(v.source(), "`trigger.http` must be an array of tables: write [[trigger.http]]");
      continue;
    }
    parseHttpTriggers(ctx, *arr, m, inlines);
  }
}

void parseComponents(ParseContext& ctx, const toml::table& root, Manifest& m,
                     const LoadOptions& options) {
  const toml::table* t = ctx.getTable(root, "component", "the manifest");
  if (!t) return;
  for (auto&& [id, v] : *t) {
    std::string cid(id.str());
    if (!detail::isKebabId(cid)) {
      ctx.error(id.source(), "component id `" + cid +
                                 "` must be kebab-case (lowercase letters, digits and '-')");
    }
    const toml::table* ct = v.as_table();
    if (!ct) {
      ctx.error(v.source(), "[component." + cid + "] must be a table");
      continue;
    }
    if (auto c = detail::parseComponent(ctx, cid, *ct, m.variables, options)) {
      m.components.push_back(std::move(*c));
    }
  }
}

}  // namespace

const Component* Manifest::component(std::string_view id) const {
  for (const auto& c : components) {
    if (c.id == id) return &c;
  }
  return nullptr;
}

std::string resolveManifestPath(const std::string& file_or_dir) {
  if (file_or_dir.empty()) return "spin.toml";
  std::error_code ec;
  if (fs::is_directory(file_or_dir, ec)) return (fs::path(file_or_dir) / "spin.toml").string();
  return file_or_dir;
}

Result<Manifest> parseManifest(std::string_view text, const std::string& path,
                               const LoadOptions& options) {
  std::error_code ec;
  fs::path abs = fs::absolute(path, ec);
  Manifest m;
  m.path = path;
  m.dir = abs.parent_path().lexically_normal().string();
  ParseContext ctx(path, m.dir);

  toml::parse_result parsed = toml::parse(text, path);
  if (!parsed) {
    const toml::parse_error& e = parsed.error();
    ctx.error(e.source(), "TOML syntax error: " + std::string(e.description()));
    return fail(ErrorCode::kManifest, ctx.report());
  }
  toml::table upgraded;
  const bool v1 = detail::isV1Manifest(parsed.table());
  if (v1) {
    upgraded = detail::upgradeV1(ctx, parsed.table());
    detail::rememberV1Positions(ctx, parsed.table(), upgraded);
  }
  const toml::table& root = v1 ? upgraded : parsed.table();
  ctx.checkKeys(root, {"spin_manifest_version", "application", "variables", "trigger", "component"},
                "the manifest");
  const toml::node* version = root.get("spin_manifest_version");
  if (!version) {
    ctx.error(SourcePos{1, 1}, "missing `spin_manifest_version = 2` (or `= \"1\"`)");
  } else if (version->value<int64_t>() != std::optional<int64_t>(2) &&
             version->value<std::string>() != std::optional<std::string>("2")) {
    ctx.error(version->source(), "unsupported `spin_manifest_version`: tern reads version 2");
  }
  parseApplication(ctx, root, m.application);
  parseVariables(ctx, root, m.variables);
  parseComponents(ctx, root, m, options);
  std::vector<InlineComponent> inlines;
  parseTriggers(ctx, root, m, inlines);
  size_t counter = 0;
  for (const auto& in : inlines) {
    HttpTrigger& trig = m.http_triggers[in.trigger_index];
    std::string id = trig.id.empty() ? "inline-component-" + std::to_string(++counter) : trig.id;
    if (auto c = detail::parseComponent(ctx, id, *in.table, m.variables, options)) {
      trig.component = c->id;
      m.components.push_back(std::move(*c));
    }
  }
  if (!ctx.ok()) return fail(ErrorCode::kManifest, ctx.report());
  return m;
}

Result<Manifest> loadManifest(const std::string& path, const LoadOptions& options) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return fail(ErrorCode::kIo, "cannot read manifest ", path,
                " (pass -f FILE or run where spin.toml is)");
  }
  std::stringstream ss;
  ss << in.rdbuf();
  return parseManifest(ss.str(), path, options);
}

}  // namespace tern::manifest
