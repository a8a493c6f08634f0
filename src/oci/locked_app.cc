// Spin locked app (JSON) -> spin.toml (toml++) plus the blobs to place, for pulled apps.
#include <nlohmann/json.hpp>
#include <sstream>

#define TOML_EXCEPTIONS 0
#include <toml++/toml.h>

#include "oci/pull.h"
#include "sign/digest.h"

namespace tern::oci {
namespace {

using nlohmann::json;

Result<void> bad(const std::string& what) {
  return fail(ErrorCode::kArtifact, "locked app: ", what);
}

bool safeId(const std::string& id) {
  if (id.empty() || id.size() > 128 || id[0] == '-') return false;
  for (char c : id) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_')) return false;
  }
  return true;
}

bool safeRelativePath(const std::string& p) {
  if (p.empty() || p.size() > 4096 || p[0] == '/' || p.find('\0') != std::string::npos ||
      p.find('\\') != std::string::npos) {
    return false;
  }
  size_t start = 0;
  while (start <= p.size()) {
    size_t end = p.find('/', start);
    if (end == std::string::npos) end = p.size();
    std::string_view seg(p.data() + start, end - start);
    if (seg.empty() || seg == "." || seg == "..") return false;
    start = end + 1;
  }
  return true;
}

bool boolOf(const json& j, const char* key) {
  return j.is_object() && j.contains(key) && j[key].is_boolean() && j[key].get<bool>();
}

std::string str(const json& j, const char* key) {
  return j.is_object() && j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : "";
}

Result<toml::array> stringArray(const json& meta, const char* key) {
  toml::array a;
  if (!meta.is_object() || !meta.contains(key) || meta[key].is_null()) return a;
  if (!meta[key].is_array()) return fail(ErrorCode::kArtifact, "locked app: ", key, " not a list");
  for (const auto& e : meta[key]) {
    if (!e.is_string()) return fail(ErrorCode::kArtifact, "locked app: ", key, " not strings");
    a.push_back(e.get<std::string>());
  }
  return a;
}

Result<toml::table> stringMap(const json& j, const char* key) {
  toml::table t;
  if (!j.contains(key) || j[key].is_null()) return t;
  if (!j[key].is_object()) return fail(ErrorCode::kArtifact, "locked app: ", key, " not a map");
  for (const auto& [k, v] : j[key].items()) {
    if (!v.is_string()) return fail(ErrorCode::kArtifact, "locked app: ", key, ".", k);
    t.insert(k, v.get<std::string>());
  }
  return t;
}

// A content reference: {"digest": ..} and/or {"inline": base64}.
Result<FilePlacement> content(const json& ref, const std::string& what) {
  FilePlacement f;
  f.digest = str(ref, "digest");
  if (ref.contains("inline") && ref["inline"].is_string()) {
    auto bytes = sign::base64Decode(ref["inline"].get<std::string>());
    if (!bytes) return fail(ErrorCode::kArtifact, "locked app: ", what, ": bad inline base64");
    if (!f.digest.empty()) TERN_TRY(sign::checkDigest(*bytes, f.digest, what));
    f.inline_bytes = std::move(*bytes);
    f.is_inline = true;
    return f;
  }
  if (!sign::isSha256Digest(f.digest)) {
    return fail(ErrorCode::kArtifact, "locked app: ", what, " has no sha256 digest or inline data");
  }
  return f;
}

Result<void> checkTopLevel(const json& j) {
  if (!j.is_object()) return bad("not a JSON object");
  if (!j.contains("spin_lock_version") || !j["spin_lock_version"].is_number_unsigned() ||
      j["spin_lock_version"].get<uint64_t>() > 1) {
    return bad("spin_lock_version must be 0 or 1");
  }
  if (j.contains("must_understand")) {
    if (!j["must_understand"].is_array()) return bad("must_understand is not a list");
    for (const auto& m : j["must_understand"]) {
      std::string s = m.is_string() ? m.get<std::string>() : "";
      if (s != "host_requirements" && s != "component_host_requirements") {
        return bad("needs a feature Tern does not understand: " + m.dump());
      }
    }
  }
  for (const char* key : {"host_requirements"}) {
    if (!j.contains(key)) continue;
    if (!j[key].is_object()) return bad(std::string(key) + " is not a map");
    for (const auto& [k, v] : j[key].items()) {
      if (k != "local_service_chaining") return bad("requires a host feature Tern lacks: " + k);
    }
  }
  if (!j.contains("triggers") || !j["triggers"].is_array()) return bad("no triggers list");
  if (!j.contains("components") || !j["components"].is_array()) return bad("no components list");
  return {};
}

toml::table application(const json& j) {
  json meta = j.value("metadata", json::object());
  toml::table app;
  app.insert("name", str(meta, "name").empty() ? std::string("app") : str(meta, "name"));
  if (!str(meta, "version").empty()) app.insert("version", str(meta, "version"));
  if (!str(meta, "description").empty()) app.insert("description", str(meta, "description"));
  if (auto a = stringArray(meta, "authors"); a && !a->empty()) app.insert("authors", *a);
  std::string base;
  if (meta.contains("triggers") && meta["triggers"].is_object()) {
    base = str(meta["triggers"].value("http", json::object()), "base");
  }
  if (base.empty() && meta.contains("trigger")) base = str(meta["trigger"], "base");
  if (!base.empty() && base != "/") {
    app.insert("trigger", toml::table{{"http", toml::table{{"base", base}}}});
  }
  return app;
}

Result<toml::table> variables(const json& j) {
  toml::table vars;
  if (!j.contains("variables")) return vars;
  if (!j["variables"].is_object()) return fail(ErrorCode::kArtifact, "locked app: variables");
  for (const auto& [name, v] : j["variables"].items()) {
    if (!v.is_object()) return fail(ErrorCode::kArtifact, "locked app: variable ", name);
    toml::table t;
    if (v.contains("default") && v["default"].is_string()) {
      t.insert("default", v["default"].get<std::string>());
    } else {
      t.insert("required", true);
    }
    if (boolOf(v, "secret")) t.insert("secret", true);
    vars.insert(name, std::move(t));
  }
  return vars;
}

Result<toml::table> trigger(const json& t) {
  if (!t.is_object()) return fail(ErrorCode::kArtifact, "locked app: a trigger is not an object");
  if (str(t, "trigger_type") != "http") {
    return fail(ErrorCode::kArtifact, "locked app: trigger type '", str(t, "trigger_type"),
                "' is not supported (Tern serves http triggers)");
  }
  if (t.contains("trigger_dependencies") && !t["trigger_dependencies"].empty()) {
    return fail(ErrorCode::kArtifact, "locked app: trigger dependencies are not supported");
  }
  static const json kEmpty = json::object();
  const json& c = t.contains("trigger_config") ? t["trigger_config"] : kEmpty;
  if (!c.is_object()) return fail(ErrorCode::kArtifact, "locked app: trigger_config");
  toml::table out;
  if (!str(t, "id").empty()) out.insert("id", str(t, "id"));
  for (const auto& [k, v] : c.items()) {
    if (k == "route" && v.is_string()) {
      out.insert("route", v.get<std::string>());
    } else if (k == "route" && boolOf(v, "private")) {
      out.insert("route", toml::table{{"private", true}});
    } else if (k == "component" && v.is_string()) {
      out.insert("component", v.get<std::string>());
    } else if (k == "executor" && v.is_object() && str(v, "type") == "wagi") {
      toml::table e{{"type", "wagi"}};
      if (!str(v, "argv").empty()) e.insert("argv", str(v, "argv"));
      if (!str(v, "entrypoint").empty()) e.insert("entrypoint", str(v, "entrypoint"));
      out.insert("executor", std::move(e));
    } else if (k == "executor" && v.is_object() && str(v, "type") == "spin") {
      continue;  // the default executor
    } else if (k == "static_response" && v.is_object()) {
      toml::table s;
      if (v.contains("status_code") && v["status_code"].is_number_unsigned()) {
        s.insert("status_code", v["status_code"].get<int64_t>());
      }
      if (v.contains("body") && v["body"].is_string()) s.insert("body", str(v, "body"));
      auto h = stringMap(v, "headers");
      if (!h) return fail(h.error());
      if (!h->empty()) s.insert("headers", std::move(*h));
      out.insert("static_response", std::move(s));
    } else {
      return fail(ErrorCode::kArtifact, "locked app: http trigger setting '", k,
                  "' is not supported");
    }
  }
  return out;
}

toml::table ternLimits(const json& t) {
  toml::table out;
  auto num = [&](const char* key) -> std::optional<int64_t> {
    if (!t.contains(key) || !t[key].is_number_unsigned()) return std::nullopt;
    return static_cast<int64_t>(std::min<uint64_t>(t[key].get<uint64_t>(), INT64_MAX));
  };
  if (auto v = num("request_timeout_ms")) out.insert("request_timeout", std::to_string(*v) + "ms");
  for (const char* key :
       {"max_instance_memory", "max_output", "max_request_body", "max_concurrent"}) {
    if (auto v = num(key)) out.insert(key, *v);
  }
  return out;
}

Result<void> component(const json& c, LockedPlan& plan, toml::table& components) {
  if (!c.is_object()) return bad("a component is not an object");
  std::string id = str(c, "id");
  if (!safeId(id)) return bad("bad component id '" + id + "'");
  if (c.contains("dependencies") && !c["dependencies"].empty()) {
    return bad("component " + id + " has dependencies (composition is not supported)");
  }
  if (!c.contains("source") || !c["source"].is_object()) return bad(id + " has no source");
  auto src = content(c["source"], "component " + id + " source");
  if (!src) return fail(src.error());
  if (src->is_inline) return bad("component " + id + " has an inline source");
  plan.sources.emplace_back(id, src->digest);
  toml::table t{{"source", "components/" + id + ".wasm"}};
  json meta = c.value("metadata", json::object());
  if (!str(meta, "description").empty()) t.insert("description", str(meta, "description"));
  const std::pair<const char*, const char*> lists[] = {
      {"allowed_outbound_hosts", "allowed_outbound_hosts"},
      {"key_value_stores", "key_value_stores"},
      {"databases", "sqlite_databases"},
      {"ai_models", "ai_models"}};
  for (const auto& [from, to] : lists) {
    auto a = stringArray(meta, from);
    if (!a) return fail(a.error());
    if (!a->empty()) t.insert(to, std::move(*a));
  }
  auto env = stringMap(c, "env");
  auto config = stringMap(c, "config");
  if (!env) return fail(env.error());
  if (!config) return fail(config.error());
  if (!env->empty()) t.insert("environment", std::move(*env));
  if (!config->empty()) t.insert("variables", std::move(*config));
  if (c.contains("files")) {
    if (!c["files"].is_array()) return bad(id + ": files is not a list");
    for (const auto& f : c["files"]) {
      if (!f.is_object()) return bad(id + ": a file entry is not an object");
      std::string path = str(f, "path");
      while (path.starts_with("/")) path.erase(0, 1);  // Spin writes "/" for folder mounts
      if (!safeRelativePath(path)) {
        return bad(id + ": unsafe file path '" + str(f, "path") + "'");
      }
      auto placed = content(f, "file " + path);
      if (!placed) return fail(placed.error());
      placed->component = id;
      placed->path = path;
      plan.files.push_back(std::move(*placed));
    }
    toml::array mounts;
    mounts.push_back(toml::table{{"source", "files/" + id}, {"destination", "/"}});
    t.insert("files", std::move(mounts));
  }
  if (meta.contains("tern") && meta["tern"].is_object()) {
    if (toml::table l = ternLimits(meta["tern"]); !l.empty()) t.insert("tern", std::move(l));
  }
  if (components.contains(id)) return bad("component " + id + " appears twice");
  components.insert(id, std::move(t));
  return {};
}

}  // namespace

Result<LockedPlan> planLockedApp(std::string_view locked_json) {
  json j = json::parse(locked_json, nullptr, false);
  if (j.is_discarded()) return fail(ErrorCode::kArtifact, "locked app: not JSON");
  TERN_TRY(checkTopLevel(j));
  LockedPlan plan;
  toml::table root{{"spin_manifest_version", 2}};
  root.insert("application", application(j));
  auto vars = variables(j);
  if (!vars) return fail(vars.error());
  if (!vars->empty()) root.insert("variables", std::move(*vars));
  toml::array http;
  for (const auto& t : j["triggers"]) {
    auto tt = trigger(t);
    if (!tt) return fail(tt.error());
    http.push_back(std::move(*tt));
  }
  root.insert("trigger", toml::table{{"http", std::move(http)}});
  toml::table components;
  for (const auto& c : j["components"]) TERN_TRY(component(c, plan, components));
  if (!components.empty()) root.insert("component", std::move(components));
  std::ostringstream out;
  out << "# Generated by `tern registry pull` from the app's Spin locked app; do not edit.\n";
  out << toml::toml_formatter(root) << "\n";
  plan.toml = out.str();
  return plan;
}

}  // namespace tern::oci
