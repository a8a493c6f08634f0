// Toolchain and app checks for `tern doctor`.
#include "cmd/doctor_command.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <sstream>

#include "manifest/manifest.h"

namespace tern::cmd {
namespace {

namespace fs = std::filesystem;

struct Requirement {
  const char* what;
  enum class Kind { kCommand, kPath, kClangRtWasm } kind;
  const char* name;     // command name or path
  const char* package;  // Debian package providing it
};

struct TemplateNeeds {
  const char* id;
  std::vector<Requirement> needs;
};

// What each template's [component.<id>.build] command runs (templates/<id>/content/spin.toml).
const std::vector<TemplateNeeds>& templateNeeds() {
  using K = Requirement::Kind;
  static const std::vector<TemplateNeeds> kNeeds = {
      {"http-c",
       {{"clang-14", K::kCommand, "clang-14", "clang-14"},
        {"wasm-ld-14", K::kCommand, "wasm-ld-14", "lld-14"},
        {"wasi-libc", K::kPath, "/usr/include/wasm32-wasi/stdio.h", "wasi-libc"},
        {"compiler-rt wasm32", K::kClangRtWasm, "", "libclang-rt-14-dev-wasm32"}}},
      {"http-js", {{"node", K::kCommand, "node", "nodejs"}, {"npm", K::kCommand, "npm", "npm"}}},
      {"http-rust",
       {{"rustc", K::kPath, "/usr/bin/rustc", "rustc"},
        {"wasm32-wasi std", K::kPath, "/usr/lib/rustlib/wasm32-wasi/lib",
         "libstd-rust-dev-wasm32"}}},
  };
  return kNeeds;
}

bool onPath(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    if (!dir.empty() && ::access((dir + "/" + name).c_str(), X_OK) == 0) return true;
  }
  return false;
}

bool clangRtWasm() {
  std::error_code ec;
  for (auto it = fs::directory_iterator("/usr/lib/llvm-14/lib/clang", ec);
       !ec && it != fs::directory_iterator(); it.increment(ec)) {
    if (fs::exists(it->path() / "lib/wasi/libclang_rt.builtins-wasm32.a", ec)) return true;
  }
  return false;
}

bool satisfied(const Requirement& r) {
  std::error_code ec;
  switch (r.kind) {
    case Requirement::Kind::kCommand:
      return onPath(r.name);
    case Requirement::Kind::kPath:
      return fs::exists(r.name, ec);
    case Requirement::Kind::kClangRtWasm:
      return clangRtWasm();
  }
  return false;
}

bool checkTemplate(const TemplateNeeds& t) {
  std::string found, missing, packages;
  for (const auto& r : t.needs) {
    if (satisfied(r)) {
      found += (found.empty() ? "" : ", ") + std::string(r.what);
    } else {
      missing += (missing.empty() ? "" : ", ") + std::string(r.what);
      packages += " " + std::string(r.package);
    }
  }
  if (missing.empty()) {
    std::printf("%-10s ok (%s)\n", (std::string(t.id) + ":").c_str(), found.c_str());
    return true;
  }
  std::printf("%-10s missing %s: apt-get install%s\n", (std::string(t.id) + ":").c_str(),
              missing.c_str(), packages.c_str());
  return false;
}

bool checkApp(const std::string& path) {
  manifest::LoadOptions lo;
  lo.check_files = false;
  auto m = manifest::loadManifest(path, lo);
  if (!m) {
    std::printf("app:       %s does not load:\n%s\n", path.c_str(), m.error().message.c_str());
    return false;
  }
  bool ok = true;
  std::error_code ec;
  for (const auto& c : m->components) {
    if (fs::is_regular_file(c.source, ec)) continue;
    std::printf("app:       component `%s`: %s does not exist yet%s\n", c.id.c_str(),
                c.source.c_str(), c.build ? " (run `tern build`)" : "");
    ok = false;
  }
  if (ok) {
    std::printf("app:       %s loads; %zu component(s), every source present\n", path.c_str(),
                m->components.size());
  }
  return ok;
}

}  // namespace

void addDoctorCommand(CLI::App& app, DoctorCommand& cmd) {
  cmd.doctor = app.add_subcommand(
      "doctor", "check the toolchains templates need, and the app in this folder (or -f)");
  cmd.doctor->add_option("template", cmd.templates, "templates to check (default: all)");
  cmd.doctor->add_option("-f,--from", cmd.file, "spin.toml, or the folder holding it");
}

std::optional<int> runDoctorCommand(const DoctorCommand& cmd) {
  if (!cmd.doctor || !cmd.doctor->parsed()) return std::nullopt;
  bool ok = true;
  for (const auto& want : cmd.templates) {
    bool known = false;
    for (const auto& t : templateNeeds()) known = known || want == t.id;
    if (!known) {
      std::fprintf(stderr, "error: unknown template '%s' (tern templates list)\n", want.c_str());
      return 1;
    }
  }
  for (const auto& t : templateNeeds()) {
    bool wanted = cmd.templates.empty();
    for (const auto& w : cmd.templates) wanted = wanted || w == t.id;
    if (wanted) ok = checkTemplate(t) && ok;
  }
  std::string path = manifest::resolveManifestPath(cmd.file);
  std::error_code ec;
  if (!cmd.file.empty() || fs::exists(path, ec)) ok = checkApp(path) && ok;
  return ok ? 0 : 1;
}

}  // namespace tern::cmd
