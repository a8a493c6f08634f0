// wasi:random 0.2 host: random, insecure and insecure-seed, all from the kernel's CSPRNG.
#include <sys/random.h>

#include <cerrno>

#include "wasi2/wasi2.h"
#include "wasi2/util.h"

namespace tern::wasi2 {
namespace {

constexpr std::string_view kRandom = "wasi:random/random@0.2.12";
constexpr std::string_view kInsecure = "wasi:random/insecure@0.2.12";
constexpr std::string_view kSeed = "wasi:random/insecure-seed@0.2.12";

Result<void> fillRandom(void* out, size_t len) {
  auto* p = static_cast<uint8_t*>(out);
  while (len > 0) {
    ssize_t n = getrandom(p, len, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return fail(ErrorCode::kIo, "wasi:random: getrandom failed");
    p += n;
    len -= static_cast<size_t>(n);
  }
  return {};
}

Result<void> randomBytes(HostCall&, std::span<Val> args, std::span<Val> results) {
  // No error case in the WIT: an absurd size is guest abuse.
  if (args[0].u > kMaxRandomBytes) {
    return hostTrap("wasi:random: get-random-bytes of ", std::to_string(args[0].u),
                    " bytes (limit ", std::to_string(kMaxRandomBytes), ")");
  }
  std::string bytes(args[0].u, '\0');
  TERN_TRY(fillRandom(bytes.data(), bytes.size()));
  results[0] = Val::byteList(std::move(bytes));
  return {};
}

Result<void> randomU64(HostCall&, std::span<Val>, std::span<Val> results) {
  uint64_t v = 0;
  TERN_TRY(fillRandom(&v, sizeof v));
  results[0] = Val::u64(v);
  return {};
}

// The seed is fixed per session (the WIT intends it to be read once).
Result<void> insecureSeed(HostCall& call, std::span<Val>, std::span<Val> results) {
  P2_TRY(WasiP2Context * ctx, requireWasiContext(call));
  if (!ctx->insecure_seed) {
    uint64_t seed[2];
    TERN_TRY(fillRandom(seed, sizeof seed));
    ctx->insecure_seed.emplace(seed[0], seed[1]);
  }
  results[0] =
      Val::tuple({Val::u64(ctx->insecure_seed->first), Val::u64(ctx->insecure_seed->second)});
  return {};
}

}  // namespace

void defineWasiRandom(ComponentLinker& linker) {
  linker.defineFunc(kRandom, "get-random-bytes", randomBytes);
  linker.defineFunc(kRandom, "get-random-u64", randomU64);
  linker.defineFunc(kInsecure, "get-insecure-random-bytes", randomBytes);
  linker.defineFunc(kInsecure, "get-insecure-random-u64", randomU64);
  linker.defineFunc(kSeed, "insecure-seed", insecureSeed);
}

}  // namespace tern::wasi2
