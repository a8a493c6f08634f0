// The table of fuzz targets, and the ones that need no fixture.
#include "targets.h"

#include "executor/cgi.h"
#include "instance/fuzz_entry.h"
#include "manifest/manifest.h"
#include "oci/pull.h"
#include "oci/reference.h"
#include "sign/simple_signing.h"

namespace tern::fuzz {

int wasmTarget(const uint8_t* data, size_t size) { return instance::fuzzCompileAndRun(data, size); }

int manifestTarget(const uint8_t* data, size_t size) {
  // A folder that does not exist: relative paths resolve against it and nothing is read.
  manifest::LoadOptions options;
  options.check_files = false;
  (void)manifest::parseManifest(std::string_view(reinterpret_cast<const char*>(data), size),
                                "/nonexistent/tern-fuzz/spin.toml", options);
  return 0;
}

int ociArtifactTarget(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)oci::parseImageManifest(text);
  (void)sign::parsePayload(text);
  if (size < 600) (void)oci::parseReference(text);
  if (auto plan = oci::planLockedApp(text)) {
    // What a pull would write must be a manifest tern can read (or refuse cleanly).
    manifest::LoadOptions options;
    options.check_files = false;
    (void)manifest::parseManifest(plan->toml, "/nonexistent/tern-fuzz/spin.toml", options);
  }
  return 0;
}

int cgiResponseTarget(const uint8_t* data, size_t size) {
  (void)executor::parseCgiResponse(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}

std::span<const Target> allTargets() {
  using namespace std::string_view_literals;
  // (module (func (export "f"))): enough to load libtern_codegen.so.
  static constexpr auto kTinyModule =
      "\0asm\1\0\0\0\1\4\1\x60\0\0\3\2\1\0\7\5\1\1f\0\0\n\4\1\2\0\x0b"sv;
  static const Target kTargets[] = {
      {"wasm", wasmTarget, "Wasm loader + compiler; runs exports of import-free modules",
       kTinyModule},
      {"manifest", manifestTarget, "spin.toml parser", "spin_manifest_version = 2\n"},
      {"http_request", httpRequestTarget, "HTTP request bytes through Beast and a loaded App",
       "GET /exact HTTP/1.1\r\nHost: localhost\r\n\r\n"},
      {"cgi_response", cgiResponseTarget, "WAGI guest stdout (CGI response) parser",
       "content-type: text/plain\n\nhi\n"},
      {"oci_artifact", ociArtifactTarget,
       "OCI image manifests, Spin locked apps (-> spin.toml), cosign payloads, references",
       "{\"spin_lock_version\":0,\"triggers\":[],\"components\":[]}"},
      {"component", componentTarget, "component parser, resolver, instantiation and calls",
       "\0asm\x0d\0\1\0"sv},
  };
  return kTargets;
}

const Target* findTarget(std::string_view name) {
  for (const Target& t : allTargets()) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

}  // namespace tern::fuzz
