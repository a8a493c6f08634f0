// Cosign-compatible signatures stored beside an image in its registry.
//
// The signature of manifest sha256:<hex> is an OCI image manifest tagged `sha256-<hex>.sig` in
// the same repository; each of its layers is a simple-signing payload
// (application/vnd.dev.cosign.simplesigning.v1+json, sign/simple_signing.h) whose annotation
// `dev.cosignproject.cosign/signature` holds the base64 ECDSA-SHA256 signature of the payload
// bytes. Signing again appends a layer, as cosign does. Format: sigstore/cosign specs/.
#pragma once

#include <string>
#include <vector>

#include "common/result.h"
#include "oci/registry.h"
#include "sign/keys.h"

namespace tern::oci {

// "sha256-<hex>.sig" for "sha256:<hex>".
std::string signatureTag(const std::string& manifest_digest);

// Signs `manifest_digest` (an image in client's repository) and pushes the signature. Returns the
// signature manifest's digest. The client must have been made with push = true.
Result<std::string> signImage(RegistryClient& client, const std::string& manifest_digest,
                              const sign::PrivateKey& key);

struct Verified {
  std::string key;               // the name (path) of the key that verified
  std::string docker_reference;  // what the payload names
};

// Succeeds when one signature layer verifies with one of `keys` and its payload names
// `manifest_digest`. Errors (kSignature, one line): no signature at all; signatures, none by
// these keys; a valid signature over another manifest digest (a re-tagged image or a copied
// signature). kDigestMismatch when a payload blob differs from its digest.
Result<Verified> verifyImage(RegistryClient& client, const std::string& manifest_digest,
                             const std::vector<sign::PublicKey>& keys);

}  // namespace tern::oci
