// Tern's one error type: a code from a table grouped by stage, plus a human-readable message.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace tern {

// Grouped by the stage that produces them; logs read "<stage>: <name>: <message>", so a log line
// or a test can tell a component error from a manifest or an HTTP one.
enum class ErrorCode : uint16_t {
  // common: a caller's bad argument, the operating system, a resource cap
  kIo,
  kInvalidArgument,
  kResourceExhausted,
  // compile: core Wasm modules
  kMalformed,    // the bytes are not a Wasm binary (decode error)
  kInvalid,      // decodes but fails validation
  kUnsupported,  // valid Wasm that uses a feature the engine does not implement
  kCodegen,      // LLVM failed; an engine bug
  kCache,        // artifact cache problem (the caller recompiles)
  // instance
  kUnlinkable,     // import missing or of the wrong type
  kUninstantiable, // a start function or segment initialisation trapped
  kTrap,           // the guest trapped; see TrapKind in instance/trap.h
  kExit,           // the guest asked to exit (WASI proc_exit); Error::detail holds the status
  // component: component binaries (component/)
  kComponentMalformed,    // not a well-formed component binary
  kComponentInvalid,      // well-formed but fails validation
  kComponentUnsupported,  // uses a component-model feature tern does not implement
  // manifest: spin.toml (manifest/)
  kManifest,  // a manifest that does not parse or check (every problem in the message)
  // host: host services (host/)
  kHostConfig,   // a grant, allow-list, runtime config or variable that cannot be used
  kHostLimit,    // a guest's request over a host-service limit (key, value, batch, SQL sizes)
  kHostBackend,  // the backing store failed (Redis, SQLite)
  // executor: running a guest for a request (executor/)
  kNotExecutable,  // the component does not fit its executor (no entrypoint, no incoming-handler)
  kGuestResponse,  // the guest's response breaks its protocol (CGI output)
  // trigger: loading an application (trigger/)
  kAppLoad,  // the application cannot be loaded (every problem in the message)
  // sign: keys, signatures and trust policy (sign/)
  kKey,        // a key file that cannot be read or is not an ECDSA P-256 PEM key
  kSignature,  // no signature, a signature by another key, or one over other bytes
  kPolicy,     // a policy file that does not parse, or a reference the policy refuses
  // oci: registries and packaged apps (oci/)
  kRegistry,        // the registry cannot be reached, refuses the credentials or the request
  kArtifact,        // a reference, OCI manifest or locked app that is malformed or unsupported
  kDigestMismatch,  // fetched bytes whose sha256 differs from the digest that named them
};
std::string_view stageOf(ErrorCode code);
std::string_view nameOf(ErrorCode code);

struct Error {
  ErrorCode code;
  std::string message;
  // Code-specific payload: the TrapKind for kTrap, the exit status for kExit.
  int32_t detail = 0;

  // "compile: invalid module at 0x1f: type mismatch" style text.
  std::string toString() const;
};

}  // namespace tern
