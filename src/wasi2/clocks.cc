// wasi:clocks 0.2 host: monotonic-clock (now, resolution, subscribe-instant/-duration pollables)
// and wall-clock (now, resolution).
#include <time.h>

#include <algorithm>
#include <limits>
#include <thread>

#include "wasi2/wasi2.h"
#include "wasi2/util.h"

namespace tern::wasi2 {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::string_view kMonotonic = "wasi:clocks/monotonic-clock@0.2.12";
constexpr std::string_view kWall = "wasi:clocks/wall-clock@0.2.12";

// A pollable that becomes ready at a steady-clock time (the monotonic clock is CLOCK_MONOTONIC,
// as std::chrono::steady_clock on Linux, so instants and deadlines compare directly).
class TimerSource final : public PollSource {
 public:
  explicit TimerSource(Clock::time_point at) : at_(at) {}
  bool ready() override { return Clock::now() >= at_; }
  void block(Clock::time_point until) override {
    std::this_thread::sleep_until(std::min(at_, until));
  }
  std::optional<Clock::time_point> readyAt() override { return at_; }

 private:
  Clock::time_point at_;
};

uint64_t nowNs() {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
          .count());
}

// The steady-clock time `ns` nanoseconds after the clock's epoch, saturating.
Clock::time_point instantAt(uint64_t ns) {
  constexpr uint64_t kMax = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
  if (ns >= kMax) return Clock::time_point::max();
  return Clock::time_point(std::chrono::nanoseconds(static_cast<int64_t>(ns)));
}

Val datetime(const struct timespec& ts) {
  return Val::record(
      {Val::u64(static_cast<uint64_t>(ts.tv_sec)), Val::u32(static_cast<uint32_t>(ts.tv_nsec))});
}

uint64_t resolutionNs(clockid_t id) {
  struct timespec ts = {};
  clock_getres(id, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000ull + static_cast<uint64_t>(ts.tv_nsec);
}

void defineMonotonic(ComponentLinker& linker, const IoTypes& io) {
  linker.defineFunc(kMonotonic, "now", [](HostCall&, std::span<Val>, std::span<Val> results) {
    results[0] = Val::u64(nowNs());
    return Result<void>{};
  });
  linker.defineFunc(kMonotonic, "resolution",
                    [](HostCall&, std::span<Val>, std::span<Val> results) {
                      results[0] = Val::u64(resolutionNs(CLOCK_MONOTONIC));
                      return Result<void>{};
                    });
  linker.defineFunc(
      kMonotonic, "subscribe-instant",
      [io](HostCall& call, std::span<Val> args, std::span<Val> results) -> Result<void> {
        auto timer = std::make_shared<TimerSource>(instantAt(args[0].u));
        P2_TRY(results[0], ownPollable(call, io, std::move(timer)));
        return {};
      });
  linker.defineFunc(
      kMonotonic, "subscribe-duration",
      [io](HostCall& call, std::span<Val> args, std::span<Val> results) -> Result<void> {
        uint64_t now = nowNs();
        uint64_t when = args[0].u > UINT64_MAX - now ? UINT64_MAX : now + args[0].u;
        auto timer = std::make_shared<TimerSource>(instantAt(when));
        P2_TRY(results[0], ownPollable(call, io, std::move(timer)));
        return {};
      });
}

void defineWall(ComponentLinker& linker) {
  linker.defineFunc(kWall, "now", [](HostCall&, std::span<Val>, std::span<Val> results) {
    struct timespec ts = {};
    clock_gettime(CLOCK_REALTIME, &ts);
    results[0] = datetime(ts);
    return Result<void>{};
  });
  linker.defineFunc(kWall, "resolution", [](HostCall&, std::span<Val>, std::span<Val> results) {
    struct timespec ts = {};
    clock_getres(CLOCK_REALTIME, &ts);
    results[0] = datetime(ts);
    return Result<void>{};
  });
}

}  // namespace

void defineWasiClocks(ComponentLinker& linker, const IoTypes& io) {
  defineMonotonic(linker, io);
  defineWall(linker);
}

}  // namespace tern::wasi2
