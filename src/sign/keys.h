// ECDSA P-256 keys in PEM, as `openssl genpkey`/`openssl pkey -pubout` and cosign write them, and
// signatures over bytes (SHA-256, ASN.1 DER), the way cosign signs its simple-signing payloads.
//
//   auto key = sign::PrivateKey::load("cosign.key");           // PKCS#8 or SEC1 "EC PRIVATE KEY"
//   auto sig = key->sign(payload);                             // DER bytes
//   auto pub = sign::PublicKey::load("cosign.pub");            // SubjectPublicKeyInfo
//   bool ok = pub->verify(payload, *sig);
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "common/result.h"

using EVP_PKEY = struct evp_pkey_st;

namespace tern::sign {

struct PkeyDeleter {
  void operator()(EVP_PKEY* k) const;
};
// Shared: keys are read-only once loaded, and a policy's keys are copied into each decision.
using PkeyPtr = std::shared_ptr<EVP_PKEY>;

class PrivateKey {
 public:
  // Errors: kKey for a missing file, an encrypted key (cosign's own format included: export it
  // unencrypted with `openssl`), or a key that is not ECDSA on P-256.
  static Result<PrivateKey> load(const std::string& path);
  static Result<PrivateKey> fromPem(std::string_view pem, std::string_view name);

  Result<std::string> sign(std::string_view bytes) const;
  // The matching public key as SubjectPublicKeyInfo PEM.
  std::string publicPem() const;

 private:
  PkeyPtr key_;
};

class PublicKey {
 public:
  static Result<PublicKey> load(const std::string& path);
  static Result<PublicKey> fromPem(std::string_view pem, std::string_view name);

  // True when `signature` (DER) is a valid ECDSA-SHA256 signature of `bytes` by this key.
  bool verify(std::string_view bytes, std::string_view signature) const;
  // Where the key came from (its path), for messages.
  const std::string& name() const { return name_; }

 private:
  PkeyPtr key_;
  std::string name_;
};

}  // namespace tern::sign
