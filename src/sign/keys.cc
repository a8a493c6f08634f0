// PEM key loading and ECDSA-SHA256 signing/verification with OpenSSL 3's EVP interface.
#include "sign/keys.h"

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <fstream>
#include <sstream>

namespace tern::sign {

void PkeyDeleter::operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }

namespace {

struct BioDeleter {
  void operator()(BIO* b) const { BIO_free(b); }
};
using BioPtr = std::unique_ptr<BIO, BioDeleter>;

struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, MdCtxDeleter>;

Result<std::string> readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(ErrorCode::kKey, "cannot read key file ", path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string opensslError() {
  unsigned long e = ERR_get_error();
  ERR_clear_error();
  if (e == 0) return "not a PEM key";
  char buf[256];
  ERR_error_string_n(e, buf, sizeof buf);
  return buf;
}

// Both key kinds must be ECDSA on NIST P-256 (cosign's default and the only curve Tern accepts).
Result<void> checkP256(EVP_PKEY* key, std::string_view name) {
  if (EVP_PKEY_get_base_id(key) != EVP_PKEY_EC) {
    return fail(ErrorCode::kKey, name, ": not an ECDSA key (P-256 expected)");
  }
  char group[64] = {0};
  size_t len = 0;
  if (!EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, &len) ||
      std::string_view(group) != "prime256v1") {
    return fail(ErrorCode::kKey, name, ": ECDSA key on curve '", group, "', P-256 expected");
  }
  return {};
}

BioPtr memBio(std::string_view pem) {
  return BioPtr(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
}

// A passphrase callback that refuses: an encrypted PEM fails instead of prompting on the tty.
int noPassphrase(char*, int, int, void*) { return -1; }

}  // namespace

Result<PrivateKey> PrivateKey::fromPem(std::string_view pem, std::string_view name) {
  if (pem.find("ENCRYPTED SIGSTORE PRIVATE KEY") != std::string_view::npos ||
      pem.find("ENCRYPTED COSIGN PRIVATE KEY") != std::string_view::npos ||
      pem.find("BEGIN ENCRYPTED PRIVATE KEY") != std::string_view::npos) {
    return fail(ErrorCode::kKey, name,
                ": encrypted private keys are not supported; give an unencrypted PKCS#8 PEM "
                "(openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256)");
  }
  BioPtr bio = memBio(pem);
  EVP_PKEY* raw = PEM_read_bio_PrivateKey(bio.get(), nullptr, noPassphrase, nullptr);
  if (!raw) return fail(ErrorCode::kKey, name, ": ", opensslError());
  PrivateKey k;
  k.key_.reset(raw, PkeyDeleter());
  TERN_TRY(checkP256(raw, name));
  return k;
}

Result<PrivateKey> PrivateKey::load(const std::string& path) {
  auto pem = readFile(path);
  if (!pem) return fail(pem.error());
  return fromPem(*pem, path);
}

Result<std::string> PrivateKey::sign(std::string_view bytes) const {
  MdCtxPtr ctx(EVP_MD_CTX_new());
  size_t len = 0;
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key_.get()) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &len, reinterpret_cast<const unsigned char*>(bytes.data()),
                     bytes.size()) != 1) {
    return fail(ErrorCode::kSignature, "cannot sign: ", opensslError());
  }
  std::string sig(len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len,
                     reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size()) != 1) {
    return fail(ErrorCode::kSignature, "cannot sign: ", opensslError());
  }
  sig.resize(len);
  return sig;
}

std::string PrivateKey::publicPem() const {
  BioPtr bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_PUBKEY(bio.get(), key_.get());
  char* data = nullptr;
  long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, n > 0 ? static_cast<size_t>(n) : 0);
}

Result<PublicKey> PublicKey::fromPem(std::string_view pem, std::string_view name) {
  BioPtr bio = memBio(pem);
  EVP_PKEY* raw = PEM_read_bio_PUBKEY(bio.get(), nullptr, noPassphrase, nullptr);
  if (!raw) return fail(ErrorCode::kKey, name, ": ", opensslError());
  PublicKey k;
  k.key_.reset(raw, PkeyDeleter());
  k.name_ = std::string(name);
  TERN_TRY(checkP256(raw, name));
  return k;
}

Result<PublicKey> PublicKey::load(const std::string& path) {
  auto pem = readFile(path);
  if (!pem) return fail(pem.error());
  return fromPem(*pem, path);
}

bool PublicKey::verify(std::string_view bytes, std::string_view signature) const {
  MdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key_.get()) != 1) {
    ERR_clear_error();
    return false;
  }
  int rc = EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                            signature.size(), reinterpret_cast<const unsigned char*>(bytes.data()),
                            bytes.size());
  ERR_clear_error();
  return rc == 1;
}

}  // namespace tern::sign
