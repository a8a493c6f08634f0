// Content digests and base64, as OCI and cosign write them ("sha256:<64 hex>"), done by OpenSSL.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace tern::sign {

// "sha256:" followed by the lowercase hex SHA-256 of `bytes`.
std::string sha256Digest(std::string_view bytes);

// The digest of a file's bytes, read in chunks. Errors: kIo.
Result<std::string> sha256File(const std::string& path);

// True for "sha256:" + 64 lowercase hex digits (the only algorithm Tern accepts).
bool isSha256Digest(std::string_view digest);

// The 64 hex digits of a valid digest ("sha256:ab.." -> "ab.."); empty when not valid.
std::string_view digestHex(std::string_view digest);

// Checks `bytes` against `digest`. Errors: kArtifact for a digest Tern does not accept,
// kDigestMismatch naming `what` when the bytes differ.
Result<void> checkDigest(std::string_view bytes, std::string_view digest, std::string_view what);

std::string base64Encode(std::string_view bytes);
// nullopt when `text` is not canonical padded base64.
std::optional<std::string> base64Decode(std::string_view text);

}  // namespace tern::sign
