// A trust policy: which image references must be signed, by which keys, and under what limits.
// Kyverno's `verifyImages` is the model. The file is TOML:
//
//   unmatched = "refuse"              # references no rule matches: "refuse" (default) or "allow"
//   [[verify]]
//   image = "127.0.0.1:*/team/**"     # glob on REGISTRY/REPOSITORY (no tag or digest): `*` stays
//                                     # in a '/' segment, `**` spans segments
//   keys = ["keys/team.pub"]          # one valid signature by any of them is enough (paths are
//                                     # relative to the policy file)
//   required = true                   # default true; false: run unsigned, but never badly signed
//   require_digest = false            # digest pinning: the reference must end in @sha256:<hex>
//   limits = { max_instance_memory = "64MiB", request_timeout = "5s" }  # caps for its components
//
// The first rule whose `image` matches decides.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "sign/keys.h"

namespace tern::sign {

struct PolicyLimits {
  std::optional<uint64_t> max_instance_memory;               // bytes
  std::optional<std::chrono::milliseconds> request_timeout;  // > 0
};

struct PolicyRule {
  std::string image;  // glob
  std::vector<std::string> key_paths;
  std::vector<PublicKey> keys;
  bool required = true;
  bool require_digest = false;
  PolicyLimits limits;
};

struct Policy {
  std::string path;
  bool allow_unmatched = false;
  std::vector<PolicyRule> rules;

  // The rule deciding `repository` ("registry/repository"), or null when none matches.
  const PolicyRule* match(const std::string& repository) const;
};

// Errors: kPolicy (with the file and line) for TOML or keys that do not check; kKey for a key
// file that cannot be used.
Result<Policy> loadPolicy(const std::string& path);
Result<Policy> parsePolicy(std::string_view text, const std::string& path);

}  // namespace tern::sign
