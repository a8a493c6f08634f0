// Names and stage prefixes for ErrorCode, used when errors are printed or logged.
#include "common/error.h"

namespace tern {

std::string_view stageOf(ErrorCode code) {
  switch (code) {
    case ErrorCode::kIo:
    case ErrorCode::kInvalidArgument:
    case ErrorCode::kResourceExhausted:
      return "tern";
    case ErrorCode::kMalformed:
    case ErrorCode::kInvalid:
    case ErrorCode::kUnsupported:
    case ErrorCode::kCodegen:
    case ErrorCode::kCache:
      return "compile";
    case ErrorCode::kUnlinkable:
    case ErrorCode::kUninstantiable:
    case ErrorCode::kTrap:
    case ErrorCode::kExit:
      return "instance";
    case ErrorCode::kComponentMalformed:
    case ErrorCode::kComponentInvalid:
    case ErrorCode::kComponentUnsupported:
      return "component";
    case ErrorCode::kManifest:
      return "manifest";
    case ErrorCode::kHostConfig:
    case ErrorCode::kHostLimit:
    case ErrorCode::kHostBackend:
      return "host";
    case ErrorCode::kNotExecutable:
    case ErrorCode::kGuestResponse:
      return "executor";
    case ErrorCode::kAppLoad:
      return "trigger";
    case ErrorCode::kKey:
    case ErrorCode::kSignature:
    case ErrorCode::kPolicy:
      return "sign";
    case ErrorCode::kRegistry:
    case ErrorCode::kArtifact:
    case ErrorCode::kDigestMismatch:
      return "oci";
  }
  return "tern";
}

std::string_view nameOf(ErrorCode code) {
  switch (code) {
    case ErrorCode::kIo: return "i/o error";
    case ErrorCode::kInvalidArgument: return "invalid argument";
    case ErrorCode::kResourceExhausted: return "resource exhausted";
    case ErrorCode::kMalformed: return "malformed module";
    case ErrorCode::kInvalid: return "invalid module";
    case ErrorCode::kUnsupported: return "unsupported feature";
    case ErrorCode::kCodegen: return "code generation failed";
    case ErrorCode::kCache: return "artifact cache";
    case ErrorCode::kUnlinkable: return "unlinkable";
    case ErrorCode::kUninstantiable: return "uninstantiable";
    case ErrorCode::kTrap: return "trap";
    case ErrorCode::kExit: return "exit";
    case ErrorCode::kComponentMalformed: return "malformed component";
    case ErrorCode::kComponentInvalid: return "invalid component";
    case ErrorCode::kComponentUnsupported: return "unsupported component feature";
    case ErrorCode::kManifest: return "invalid manifest";
    case ErrorCode::kHostConfig: return "configuration";
    case ErrorCode::kHostLimit: return "limit exceeded";
    case ErrorCode::kHostBackend: return "backend failed";
    case ErrorCode::kNotExecutable: return "not executable";
    case ErrorCode::kGuestResponse: return "bad guest response";
    case ErrorCode::kAppLoad: return "cannot load application";
    case ErrorCode::kKey: return "bad key";
    case ErrorCode::kSignature: return "not verified";
    case ErrorCode::kPolicy: return "policy";
    case ErrorCode::kRegistry: return "registry";
    case ErrorCode::kArtifact: return "bad artifact";
    case ErrorCode::kDigestMismatch: return "digest mismatch";
  }
  return "error";
}

std::string Error::toString() const {
  std::string out(stageOf(code));
  out += ": ";
  out += nameOf(code);
  if (!message.empty()) {
    out += ": ";
    out += message;
  }
  return out;
}

}  // namespace tern
