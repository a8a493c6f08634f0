// Building and reading cosign simple-signing payloads with nlohmann-json.
#include "sign/simple_signing.h"

#include <nlohmann/json.hpp>

#include "sign/digest.h"

namespace tern::sign {

std::string makePayload(const SimpleSigning& s) {
  nlohmann::json j;
  j["critical"]["identity"]["docker-reference"] = s.docker_reference;
  j["critical"]["image"]["docker-manifest-digest"] = s.manifest_digest;
  j["critical"]["type"] = kSimpleSigningType;
  j["optional"] = nullptr;
  return j.dump();
}

Result<SimpleSigning> parsePayload(std::string_view bytes) {
  auto j = nlohmann::json::parse(bytes, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return fail(ErrorCode::kSignature, "signature payload is not JSON");
  }
  const nlohmann::json* critical = j.contains("critical") ? &j["critical"] : nullptr;
  auto str = [&](const nlohmann::json* obj, const char* a, const char* b) -> std::string {
    if (!obj || !obj->is_object() || !obj->contains(a)) return "";
    const auto& inner = (*obj)[a];
    if (!b) return inner.is_string() ? inner.get<std::string>() : "";
    if (!inner.is_object() || !inner.contains(b) || !inner[b].is_string()) return "";
    return inner[b].get<std::string>();
  };
  if (str(critical, "type", nullptr) != kSimpleSigningType) {
    return fail(ErrorCode::kSignature, "signature payload's critical.type is not '",
                kSimpleSigningType, "'");
  }
  SimpleSigning s;
  s.docker_reference = str(critical, "identity", "docker-reference");
  s.manifest_digest = str(critical, "image", "docker-manifest-digest");
  if (!isSha256Digest(s.manifest_digest)) {
    return fail(ErrorCode::kSignature,
                "signature payload has no valid critical.image.docker-manifest-digest");
  }
  return s;
}

}  // namespace tern::sign
