// Writing and checking cosign signature manifests.
#include "oci/signature.h"

#include <nlohmann/json.hpp>

#include "oci/pull.h"
#include "sign/digest.h"
#include "sign/simple_signing.h"

namespace tern::oci {
namespace {

using nlohmann::json;

constexpr uint64_t kMaxPayloadBytes = 1u << 20;

// The image config cosign writes for a signature manifest: empty but for the layers' diff ids.
std::string signatureConfig(const json& layers) {
  json diff_ids = json::array();
  for (const auto& l : layers) diff_ids.push_back(l["digest"]);
  json c = {{"architecture", ""},
            {"os", ""},
            {"created", "0001-01-01T00:00:00Z"},
            {"history", json::array({{{"created", "0001-01-01T00:00:00Z"}}})},
            {"rootfs", {{"type", "layers"}, {"diff_ids", diff_ids}}},
            {"config", json::object()}};
  return c.dump();
}

}  // namespace

std::string signatureTag(const std::string& manifest_digest) {
  return "sha256-" + std::string(sign::digestHex(manifest_digest)) + ".sig";
}

Result<std::string> signImage(RegistryClient& client, const std::string& manifest_digest,
                              const sign::PrivateKey& key) {
  std::string payload = sign::makePayload({client.reference().repositoryName(), manifest_digest});
  auto sig = key.sign(payload);
  if (!sig) return fail(sig.error());
  std::string payload_digest = sign::sha256Digest(payload);
  TERN_TRY(client.pushBlob(payload, payload_digest));
  json layers = json::array();
  std::string tag = signatureTag(manifest_digest);
  bool not_found = false;
  auto existing = client.getManifest(tag, &not_found);
  if (existing) {
    json old = json::parse(existing->bytes, nullptr, false);
    if (old.is_object() && old.contains("layers") && old["layers"].is_array()) {
      layers = old["layers"];
    }
  } else if (!not_found) {
    return fail(existing.error());
  }
  layers.push_back({{"mediaType", sign::kSimpleSigningMediaType},
                    {"digest", payload_digest},
                    {"size", payload.size()},
                    {"annotations", {{sign::kSignatureAnnotation, sign::base64Encode(*sig)}}}});
  std::string config = signatureConfig(layers);
  std::string config_digest = sign::sha256Digest(config);
  TERN_TRY(client.pushBlob(config, config_digest));
  json manifest = {
      {"schemaVersion", 2},
      {"mediaType", kOciManifestMediaType},
      {"config",
       {{"mediaType", kOciConfigMediaType}, {"digest", config_digest}, {"size", config.size()}}},
      {"layers", layers}};
  return client.pushManifest(tag, kOciManifestMediaType, manifest.dump());
}

Result<Verified> verifyImage(RegistryClient& client, const std::string& manifest_digest,
                             const std::vector<sign::PublicKey>& keys) {
  std::string tag = signatureTag(manifest_digest);
  const std::string name = client.reference().repositoryName() + "@" + manifest_digest;
  bool not_found = false;
  auto sig_manifest = client.getManifest(tag, &not_found);
  if (!sig_manifest && not_found) {
    return fail(ErrorCode::kSignature, name, " is not signed (no ", tag, " in the registry)");
  }
  if (!sig_manifest) return fail(sig_manifest.error());
  json m = json::parse(sig_manifest->bytes, nullptr, false);
  if (!m.is_object() || !m.contains("layers") || !m["layers"].is_array()) {
    return fail(ErrorCode::kSignature, name, ": signature manifest ", tag, " is malformed");
  }
  std::string other_digest;
  size_t signatures = 0;
  for (const auto& l : m["layers"]) {
    if (!l.is_object() || l.value("mediaType", json()) != sign::kSimpleSigningMediaType) continue;
    if (!l.contains("annotations") || !l["annotations"].is_object()) continue;
    const json& ann = l["annotations"];
    std::string key(sign::kSignatureAnnotation);
    if (!ann.contains(key) || !ann[key].is_string() || !l.contains("digest") ||
        !l["digest"].is_string()) {
      continue;
    }
    auto sig = sign::base64Decode(ann[key].get<std::string>());
    if (!sig) continue;
    ++signatures;
    auto payload = client.getBlob(l["digest"].get<std::string>(), kMaxPayloadBytes);
    if (!payload) return fail(payload.error());
    for (const auto& k : keys) {
      if (!k.verify(*payload, *sig)) continue;
      auto claims = sign::parsePayload(*payload);
      if (!claims) return fail(claims.error());
      if (claims->manifest_digest != manifest_digest) {
        other_digest = claims->manifest_digest;
        continue;
      }
      return Verified{k.name(), claims->docker_reference};
    }
  }
  if (!other_digest.empty()) {
    return fail(ErrorCode::kSignature, name, ": the signature is over ", other_digest,
                ", not this manifest (re-tagged image or copied signature)");
  }
  std::string names;
  for (const auto& k : keys) names += (names.empty() ? "" : ", ") + k.name();
  return fail(ErrorCode::kSignature, name, ": ", std::to_string(signatures),
              " signature(s), none by ", names.empty() ? std::string("the given keys") : names);
}

}  // namespace tern::oci
