// Parsing of `[component.<id>]` tables (Spin manifest v2), with local file checks.
#include <filesystem>

#include "manifest/parse_context.h"
#include "manifest/units.h"

namespace tern::manifest::detail {
namespace {

namespace fs = std::filesystem;

// Variable references in `{{ name }}` templates must name an application variable.
void checkTemplate(ParseContext& ctx, const toml::node* at, std::string_view text,
                   const std::vector<Variable>& variables, std::string_view in) {
  size_t pos = 0;
  while ((pos = text.find("{{", pos)) != std::string_view::npos) {
    size_t end = text.find("}}", pos);
    if (end == std::string_view::npos) {
      ctx.error(at->source(), "unterminated `{{` in " + std::string(in));
      return;
    }
    std::string_view name = text.substr(pos + 2, end - pos - 2);
    while (!name.empty() && name.front() == ' ') name.remove_prefix(1);
    while (!name.empty() && name.back() == ' ') name.remove_suffix(1);
    bool known = false;
    for (const auto& v : variables) known = known || v.name == name;
    if (!known) {
      ctx.error(at->source(), "`{{ " + std::string(name) + " }}` in " + std::string(in) +
                                  " names no variable in [variables]");
    }
    pos = end + 2;
  }
}

void parseFiles(ParseContext& ctx, const toml::table& t, Component& c, std::string_view in,
                const LoadOptions& options) {
  const toml::node* n = t.get("files");
  if (!n) return;
  const auto* arr = n->as_array();
  if (!arr) {
    ctx.error(n->source(), "`files` in " + std::string(in) + " must be an array");
    return;
  }
  for (const toml::node& e : *arr) {
    FilesMount m;
    m.pos = ctx.pos(e.source());
    if (const auto* s = e.as_string()) {
      m.kind = FilesMount::Kind::kPattern;
      m.pattern = s->get();
      if (fs::path(m.pattern).is_absolute() || m.pattern.starts_with("../") || m.pattern == "..") {
        ctx.error(e.source(), "`files` pattern '" + m.pattern +
                                  "' must be relative and inside the application folder");
        continue;
      }
    } else if (const auto* p = e.as_table()) {
      std::string where = "a `files` entry of " + std::string(in);
      ctx.checkKeys(*p, {"source", "destination"}, where);
      auto source = ctx.getString(*p, "source", where, true);
      auto dest = ctx.getString(*p, "destination", where, true);
      if (!source || !dest) continue;
      m.kind = FilesMount::Kind::kPlacement;
      m.source = ctx.resolve(*source);
      m.destination = *dest;
      if (!m.destination.starts_with('/')) {
        ctx.error(p->get("destination")->source(),
                  "`destination` '" + m.destination + "' must be an absolute guest path");
        continue;
      }
      std::error_code ec;
      if (options.check_files && !fs::exists(m.source, ec)) {
        ctx.error(p->get("source")->source(),
                  "`files` source '" + *source + "' does not exist (" + m.source + ")");
        continue;
      }
    } else {
      ctx.error(e.source(), "entries of `files` in " + std::string(in) +
                                " must be strings or { source, destination } tables");
      continue;
    }
    c.files.push_back(std::move(m));
  }
}

void parseBuild(ParseContext& ctx, const toml::table& t, Component& c, std::string_view in) {
  const toml::table* b = ctx.getTable(t, "build", in);
  if (!b) return;
  std::string where = "[component." + c.id + ".build]";
  ctx.checkKeys(*b, {"command", "workdir", "watch"}, where);
  BuildConfig build;
  const toml::node* cmd = b->get("command");
  if (!cmd) {
    ctx.error(b->source(), "missing required key `command` in " + where);
  } else if (cmd->is_string()) {
    build.commands.push_back(cmd->as_string()->get());
  } else {
    build.commands = ctx.getStringList(*b, "command", where);
  }
  auto workdir = ctx.getString(*b, "workdir", where);
  build.workdir = workdir ? ctx.resolve(*workdir) : ctx.dir();
  build.watch = ctx.getStringList(*b, "watch", where);
  c.build = std::move(build);
}

// A byte size: an integer (bytes) or a string with a unit ("64MiB").
std::optional<uint64_t> getSize(ParseContext& ctx, const toml::table& t, std::string_view key,
                                std::string_view in, bool allow_zero) {
  const toml::node* n = t.get(key);
  if (!n) return std::nullopt;
  std::optional<uint64_t> v;
  if (const auto* i = n->as_integer()) {
    if (i->get() >= 0) v = static_cast<uint64_t>(i->get());
  } else if (const auto* s = n->as_string()) {
    v = parseSize(s->get());
  }
  if (!v || (!allow_zero && *v == 0)) {
    ctx.error(n->source(), "`" + std::string(key) + "` in " + std::string(in) +
                               " must be a size: bytes or a string such as \"64MiB\"" +
                               (allow_zero ? "" : ", above 0"));
    return std::nullopt;
  }
  return v;
}

void parseLimits(ParseContext& ctx, const toml::table& t, Component& c, std::string_view in) {
  const toml::table* l = ctx.getTable(t, "tern", in);
  if (!l) return;
  std::string where = "[component." + c.id + ".tern]";
  ctx.checkKeys(*l,
                {"request_timeout", "max_instance_memory", "max_output", "max_request_body",
                 "max_concurrent"},
                where);
  ComponentLimits& lim = c.limits;
  lim.pos = ctx.pos(l->source());
  if (auto s = ctx.getString(*l, "request_timeout", where)) {
    lim.request_timeout = parseDuration(*s);
    if (!lim.request_timeout) {
      ctx.error(
          l->get("request_timeout")->source(),
          "`request_timeout` in " + where + " must be a duration such as \"500ms\" or \"30s\"");
    }
  }
  lim.max_instance_memory = getSize(ctx, *l, "max_instance_memory", where, false);
  lim.max_output = getSize(ctx, *l, "max_output", where, false);
  lim.max_request_body = getSize(ctx, *l, "max_request_body", where, true);
  if (auto n = ctx.getInt(*l, "max_concurrent", where)) {
    if (*n <= 0 || *n > 1'000'000) {
      ctx.error(l->get("max_concurrent")->source(),
                "`max_concurrent` in " + where + " must be between 1 and 1000000");
    } else {
      lim.max_concurrent = static_cast<uint32_t>(*n);
    }
  }
}

// key_value_stores / sqlite_databases: names are kebab-case or snake_case, as in Spin.
std::vector<std::string> getLabelList(ParseContext& ctx, const toml::table& t, std::string_view key,
                                      std::string_view in) {
  std::vector<std::string> out = ctx.getStringList(t, key, in);
  for (const auto& s : out) {
    if (!isKebabId(s) && !isSnakeId(s)) {
      ctx.error(t.get(key)->source(),
                "`" + std::string(key) + "` entry '" + s + "' must be kebab-case or snake_case");
    }
  }
  return out;
}

}  // namespace

std::optional<Component> parseComponent(ParseContext& ctx, std::string id, const toml::table& t,
                                        const std::vector<Variable>& variables,
                                        const LoadOptions& options) {
  std::string in = "[component." + id + "]";
  ctx.checkKeys(
      t,
      {"source", "description", "variables", "environment", "files", "exclude_files",
       "allowed_http_hosts", "allowed_outbound_hosts", "key_value_stores", "sqlite_databases",
       "ai_models", "build", "tool", "tern", "dependencies_inherit_configuration", "dependencies"},
      in);
  Component c;
  c.id = std::move(id);
  c.pos = ctx.pos(t.source());
  if (const toml::node* src = t.get("source")) {
    c.source_pos = ctx.pos(src->source());
    if (const auto* s = src->as_string()) {
      c.source = ctx.resolve(s->get());
      std::error_code ec;
      if (options.check_files && !fs::is_regular_file(c.source, ec)) {
        ctx.error(src->source(), "component `" + c.id + "` source '" + s->get() +
                                     "' does not exist (" + c.source + ")");
      }
    } else if (src->is_table()) {
      ctx.error(src->source(), "component `" + c.id +
                                   "`: remote and registry sources are not supported yet; "
                                   "use a local .wasm path");
    } else {
      ctx.error(src->source(), "`source` in " + in + " must be a path string");
    }
  } else {
    ctx.error(t.source(), "missing required key `source` in " + in);
  }
  c.description = ctx.getString(t, "description", in).value_or("");
  c.variables = ctx.getStringMap(t, "variables", in);
  if (const toml::table* vt = t.get_as<toml::table>("variables")) {
    for (auto&& [k, v] : *vt) {
      if (!isSnakeId(k.str())) {
        ctx.error(k.source(),
                  "component variable `" + std::string(k.str()) + "` must be lower snake_case");
      }
      if (const auto* s = v.as_string()) checkTemplate(ctx, &v, s->get(), variables, in);
    }
  }
  c.environment = ctx.getStringMap(t, "environment", in);
  parseFiles(ctx, t, c, in, options);
  c.exclude_files = ctx.getStringList(t, "exclude_files", in);
  c.allowed_outbound_hosts = ctx.getStringList(t, "allowed_outbound_hosts", in);
  // Deprecated in Spin (and all Spin 1 apps have it); normalised as Spin does: a host[:port] or
  // http(s) URL allows both schemes, "self" local chaining, insecure:allow-all everything HTTP.
  for (const auto& h : ctx.getStringList(t, "allowed_http_hosts", in)) {
    if (h == "insecure:allow-all") {
      for (const char* a : {"http://*:*", "https://*:*", "http://self"}) {
        c.allowed_outbound_hosts.push_back(a);
      }
      continue;
    }
    std::string host = h;
    if (size_t scheme = host.find("://"); scheme != std::string::npos) host.erase(0, scheme + 3);
    while (host.ends_with('/')) host.pop_back();
    if (host == "self") {
      c.allowed_outbound_hosts.push_back("http://self");
    } else {
      c.allowed_outbound_hosts.push_back("http://" + host);
      c.allowed_outbound_hosts.push_back("https://" + host);
    }
  }
  c.key_value_stores = getLabelList(ctx, t, "key_value_stores", in);
  c.sqlite_databases = getLabelList(ctx, t, "sqlite_databases", in);
  c.ai_models = ctx.getStringList(t, "ai_models", in);
  parseBuild(ctx, t, c, in);
  parseLimits(ctx, t, c, in);
  ctx.getBool(t, "dependencies_inherit_configuration", in);
  if (const toml::node* d = t.get("dependencies")) {
    ctx.error(d->source(), "component `" + c.id +
                               "`: `dependencies` (component composition) is not supported yet");
  }
  return c;
}

}  // namespace tern::manifest::detail
