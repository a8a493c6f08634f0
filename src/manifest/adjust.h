// Changes `tern up`'s flags make to a loaded manifest (selective deployment, --env), and the
// one-component manifest `tern serve X.wasm` runs, so both go through the same AppLoader.
//
//   auto m = manifest::loadManifest(path);
//   TERN_TRY(manifest::retainComponents(*m, {"api"}));      // --component-id api
//   manifest::overrideEnvironment(*m, {{"MODE", "dev"}});   // --env MODE=dev
//
//   auto app = manifest::wasmManifest("hello.wasm", ExecutorKind::kHttp, {});  // tern serve
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "common/result.h"
#include "manifest/manifest.h"

namespace tern::manifest {

// Keeps only the named components and the HTTP triggers that run them (static-response triggers,
// which run no component, go too), as Spin's `--component-id`. Errors (kManifest): an id the
// manifest has no component for, and a kept component whose `allowed_outbound_hosts` chains to a
// component that is not kept (`http://<id>.spin.internal`) or to any (`http://*.spin.internal`);
// entries with `{{ }}` templates are not checked, as in Spin. On error `m` is unchanged.
Result<void> retainComponents(Manifest& m, const std::vector<std::string>& ids);

// Sets KEY=VALUE in every component's `environment`, replacing a manifest value of the same key
// (Spin's `spin up --env`: the command line wins).
void overrideEnvironment(Manifest& m, const std::vector<std::pair<std::string, std::string>>& env);

// `--dir HOST[::GUEST]` of `tern serve`: a host folder or file and where the guest sees it.
struct DirMount {
  std::string host;   // as given; made absolute by wasmManifest
  std::string guest;  // absolute guest path
};

// The manifest of a single Wasm file served on every path (`/...`), as `wasmtime serve` and
// `spin up -f X.wasm`: one component named after the file (its stem, lower-cased, other
// characters as '-'; "app" when nothing is left), `executor` kHttp for a wasi:http component or
// kWagi for a core module, each --dir mount a `files` placement. Errors: kIo when `wasm_path` is
// not a readable file, kManifest for a mount whose host path does not exist or whose guest path
// is not absolute.
Result<Manifest> wasmManifest(const std::string& wasm_path, ExecutorKind executor,
                              const std::vector<DirMount>& dirs);

// Parses `HOST[::GUEST]` (GUEST defaults to HOST). Errors: kInvalidArgument for an empty part.
Result<DirMount> parseDirMount(const std::string& spec);

}  // namespace tern::manifest
