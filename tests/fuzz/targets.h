// Fuzz target bodies, shared by the libFuzzer harnesses (fuzzer_main.cc) and fuzz_replay.
//
// Each target takes arbitrary bytes, never crashes, leaks or hangs on any of them, and returns 0
// (libFuzzer's convention). A target may keep process-wide state built on first use (an Engine,
// a loaded App); that state is immutable afterwards, so inputs do not influence one another.
// Not thread-safe: one input at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace tern::fuzz {

using TargetFn = int (*)(const uint8_t* data, size_t size);

struct Target {
  std::string_view name;  // corpus and regression folder name: tests/fuzz/{corpus,regressions}/NAME
  TargetFn run;
  std::string_view what;     // one line for `fuzz_replay --list`
  std::string_view warm_up;  // a valid input that builds the target's fixtures
};

// Wasm bytes: decode, validate, compile and (no imports) run every export
// (instance::fuzzCompileAndRun).
int wasmTarget(const uint8_t* data, size_t size);
// spin.toml text: manifest::parseManifest, files not checked.
int manifestTarget(const uint8_t* data, size_t size);
// Raw bytes from a client connection: Beast's parser with the server's limits, then the request
// as the server builds it, through a loaded App (routes, reserved routes, a static response and
// a WAGI guest that echoes the body back as its CGI output).
int httpRequestTarget(const uint8_t* data, size_t size);
// A WAGI guest's stdout: http::parseCgiResponse.
int cgiResponseTarget(const uint8_t* data, size_t size);
// Registry bytes: oci::parseImageManifest, oci::planLockedApp (and the spin.toml it writes),
// sign::parsePayload, oci::parseReference.
int ociArtifactTarget(const uint8_t* data, size_t size);
// Component bytes: parse, validate, compile, instantiate against stub imports, call every
// export with default arguments (fuzz_component.cc).
int componentTarget(const uint8_t* data, size_t size);

std::span<const Target> allTargets();
// nullptr when no target has that name.
const Target* findTarget(std::string_view name);

}  // namespace tern::fuzz
