// Combining keys, policy rules and signature verification into one allow/refuse decision.
#include "oci/trust.h"

#include "oci/signature.h"

namespace tern::oci {
namespace {

struct Requirement {
  std::vector<sign::PublicKey> keys;
  bool required = false;
};

Result<Requirement> fromPolicy(const Reference& ref, const TrustOptions& options,
                               TrustDecision& d) {
  Requirement req;
  if (options.policy_path.empty()) return req;
  auto policy = sign::loadPolicy(options.policy_path);
  if (!policy) return fail(policy.error());
  const sign::PolicyRule* rule = policy->match(ref.repositoryName());
  if (!rule) {
    if (!policy->allow_unmatched) {
      return fail(ErrorCode::kPolicy, ref.str(), ": no rule of ", options.policy_path, " matches ",
                  ref.repositoryName(), " (unmatched = \"refuse\")");
    }
    d.why.push_back("policy: no rule matches " + ref.repositoryName() + "; unmatched = \"allow\"");
    return req;
  }
  d.why.push_back("policy: rule image = \"" + rule->image + "\" matches " + ref.repositoryName());
  if (rule->require_digest && ref.digest.empty()) {
    return fail(ErrorCode::kPolicy, ref.str(), ": the policy rule \"", rule->image,
                "\" requires a digest-pinned reference (REF@sha256:<hex>)");
  }
  req.keys = rule->keys;
  req.required = rule->required;
  d.limits = rule->limits;
  return req;
}

}  // namespace

Result<TrustDecision> decideTrust(RegistryClient& client, const TrustOptions& options) {
  TrustDecision d;
  const Reference& ref = client.reference();
  auto req = fromPolicy(ref, options, d);
  if (!req) return fail(req.error());
  for (const auto& p : options.key_paths) {
    auto k = sign::PublicKey::load(p);
    if (!k) return fail(k.error());
    req->keys.push_back(std::move(*k));
    req->required = true;
  }
  auto m = client.getManifest(ref.manifestRef());
  if (!m) return fail(m.error());
  d.manifest = std::move(*m);
  d.why.push_back("manifest: " + ref.str() + " is " + d.manifest.digest);
  if (req->keys.empty()) {
    d.why.push_back("signature: not required");
    return d;
  }
  auto v = verifyImage(client, d.manifest.digest, req->keys);
  if (!v) {
    bool unsigned_ok =
        !req->required && v.error().message.find(" is not signed ") != std::string::npos;
    if (!unsigned_ok) return fail(v.error());
    d.why.push_back("signature: none, and the policy rule has required = false");
    return d;
  }
  d.verified = true;
  d.why.push_back("signature: verified with " + v->key + " (payload names " + v->docker_reference +
                  ")");
  return d;
}

}  // namespace tern::oci
