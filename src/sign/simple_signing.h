// Cosign's simple-signing payload: the JSON a cosign signature is over. It names the signed
// manifest by digest (critical.image.docker-manifest-digest) and the repository it was signed for
// (critical.identity.docker-reference). Format: sigstore/cosign specs/SIGNATURE_SPEC.md.
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"

namespace tern::sign {

inline constexpr std::string_view kSimpleSigningMediaType =
    "application/vnd.dev.cosign.simplesigning.v1+json";
inline constexpr std::string_view kSignatureAnnotation = "dev.cosignproject.cosign/signature";
inline constexpr std::string_view kSimpleSigningType = "cosign container image signature";

struct SimpleSigning {
  std::string docker_reference;  // "registry/repository", no tag or digest
  std::string manifest_digest;   // "sha256:<hex>" of the signed OCI manifest
};

// The payload bytes cosign writes for `s` ("optional": null).
std::string makePayload(const SimpleSigning& s);

// Errors: kSignature for JSON that is not a cosign container image signature payload.
Result<SimpleSigning> parsePayload(std::string_view bytes);

}  // namespace tern::sign
