// Selective deployment, --env overrides and the single-Wasm manifest of `tern serve`.
#include "manifest/adjust.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <optional>
#include <set>

namespace tern::manifest {
namespace {

namespace fs = std::filesystem;

// The component a service-chaining entry names: "http://api.spin.internal" -> "api", "*" for the
// wildcard; nullopt for any other host and for templated entries (not resolved yet).
std::optional<std::string> chainingTarget(std::string_view entry) {
  if (entry.find("{{") != std::string_view::npos) return std::nullopt;
  size_t scheme = entry.find("://");
  if (scheme == std::string_view::npos) return std::nullopt;
  std::string_view host = entry.substr(scheme + 3);
  host = host.substr(0, std::min(host.find('/'), host.find(':')));
  constexpr std::string_view kSuffix = ".spin.internal";
  if (!host.ends_with(kSuffix) || host.size() == kSuffix.size()) return std::nullopt;
  return std::string(host.substr(0, host.size() - kSuffix.size()));
}

Result<void> checkChaining(const Component& c, const std::set<std::string, std::less<>>& kept) {
  for (const std::string& entry : c.allowed_outbound_hosts) {
    auto target = chainingTarget(entry);
    if (!target || kept.contains(*target)) continue;
    if (*target == "*") {
      return fail(ErrorCode::kManifest, "component `", c.id,
                  "` selected with --component-id cannot use wildcard service chaining: "
                  "allowed_outbound_hosts = [\"",
                  entry, "\"]");
    }
    return fail(ErrorCode::kManifest, "component `", c.id,
                "` selected with --component-id cannot use service chaining to unselected "
                "component `",
                *target, "`: allowed_outbound_hosts = [\"", entry, "\"] (select it too)");
  }
  return {};
}

std::string componentIdFor(const fs::path& wasm) {
  std::string id;
  for (char ch : wasm.stem().string()) {
    unsigned char u = static_cast<unsigned char>(ch);
    if (std::isalnum(u)) {
      id += static_cast<char>(std::tolower(u));
    } else if (!id.empty() && id.back() != '-') {
      id += '-';
    }
  }
  while (!id.empty() && !std::isalpha(static_cast<unsigned char>(id.front()))) id.erase(0, 1);
  while (!id.empty() && id.back() == '-') id.pop_back();
  return id.empty() ? "app" : id;
}

}  // namespace

Result<void> retainComponents(Manifest& m, const std::vector<std::string>& ids) {
  std::set<std::string, std::less<>> kept(ids.begin(), ids.end());
  std::string known;
  for (const auto& c : m.components) known += (known.empty() ? "" : ", ") + c.id;
  for (const std::string& id : kept) {
    if (!m.component(id)) {
      return fail(ErrorCode::kManifest, "--component-id ", id,
                  ": the application has no component `", id, "` (it has: ", known, ")");
    }
  }
  for (const auto& c : m.components) {
    if (kept.contains(c.id)) TERN_TRY(checkChaining(c, kept));
  }
  std::erase_if(m.http_triggers, [&](const HttpTrigger& t) {
    return t.static_response || !kept.contains(t.component);
  });
  std::erase_if(m.components, [&](const Component& c) { return !kept.contains(c.id); });
  return {};
}

void overrideEnvironment(Manifest& m, const std::vector<std::pair<std::string, std::string>>& env) {
  for (Component& c : m.components) {
    for (const auto& [key, value] : env) {
      std::erase_if(c.environment, [&](const auto& e) { return e.first == key; });
      c.environment.emplace_back(key, value);
    }
  }
}

Result<DirMount> parseDirMount(const std::string& spec) {
  size_t sep = spec.find("::");
  DirMount d;
  d.host = spec.substr(0, sep);
  d.guest = sep == std::string::npos ? d.host : spec.substr(sep + 2);
  if (d.host.empty() || d.guest.empty()) {
    return fail(ErrorCode::kInvalidArgument, "--dir expects HOST[::GUEST], got '", spec, "'");
  }
  return d;
}

Result<Manifest> wasmManifest(const std::string& wasm_path, ExecutorKind executor,
                              const std::vector<DirMount>& dirs) {
  std::error_code ec;
  fs::path wasm = fs::absolute(wasm_path, ec);
  if (ec || !fs::is_regular_file(wasm, ec)) {
    return fail(ErrorCode::kIo, "cannot read ", wasm_path, ": not a file");
  }
  Manifest m;
  m.path = wasm_path;
  m.dir = wasm.parent_path().string();
  Component c;
  c.id = componentIdFor(wasm);
  c.source = wasm.string();
  for (const DirMount& d : dirs) {
    fs::path host = fs::absolute(d.host, ec);
    if (ec || !fs::exists(host, ec)) {
      return fail(ErrorCode::kManifest, "--dir ", d.host, ": no such file or folder");
    }
    if (!d.guest.starts_with('/')) {
      return fail(ErrorCode::kManifest, "--dir ", d.host, "::", d.guest,
                  ": the guest path must be absolute");
    }
    FilesMount f;
    f.kind = FilesMount::Kind::kPlacement;
    f.source = host.string();
    f.destination = d.guest;
    c.files.push_back(std::move(f));
  }
  m.application.name = c.id;
  HttpTrigger t;
  t.route = parseRoute("/...").value();
  t.component = c.id;
  t.executor.kind = executor;
  m.http_triggers.push_back(std::move(t));
  m.components.push_back(std::move(c));
  return m;
}

}  // namespace tern::manifest
