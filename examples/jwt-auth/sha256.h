// SHA-256 (FIPS 180-4) and HMAC-SHA256 (RFC 2104) for the jwt-auth guest: wasm32-wasi has no crypto
// library, so the app carries its own; tests/e2e/jwt-auth checks it against the standard vectors.
#ifndef TERN_EXAMPLES_SHA256_H
#define TERN_EXAMPLES_SHA256_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
  uint32_t h[8];
  uint64_t total;
  uint8_t block[64];
  size_t used;
} Sha256;

void sha256_init(Sha256* s);
void sha256_update(Sha256* s, const void* data, size_t len);
void sha256_final(Sha256* s, uint8_t out[32]);
void hmac_sha256(const void* key, size_t key_len, const void* msg, size_t msg_len, uint8_t out[32]);

#endif
