// The run-time trust decision for a registry app: `--verify-key` keys and/or a policy file
// (sign/policy.h) decide whether the manifest a reference names may run, before anything is
// pulled. What is not verified is never run: a refusal is an error, never a warning.
#pragma once

#include <string>
#include <vector>

#include "common/result.h"
#include "oci/registry.h"
#include "sign/policy.h"

namespace tern::oci {

struct TrustOptions {
  std::vector<std::string> key_paths;  // --verify-key: one valid signature by any is required
  std::string policy_path;             // --policy
};

struct TrustDecision {
  Fetched manifest;              // the manifest the decision is about (pull exactly this)
  std::vector<std::string> why;  // one line per step, for `tern policy check` and logs
  sign::PolicyLimits limits;     // caps from the matching policy rule
  bool verified = false;         // a signature was checked
};

// Fetches the manifest and decides. Errors: kSignature / kPolicy with one line saying why the
// app is refused; kKey, kRegistry, kArtifact as they come.
Result<TrustDecision> decideTrust(RegistryClient& client, const TrustOptions& options);

}  // namespace tern::oci
