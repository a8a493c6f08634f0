// Test fixture for the WASI 0.2 host: a linker with every interface, a Session whose user data
// is a WasiP2Context, and direct calls of host functions (no component needed).
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "component/component.h"
#include "wasi2/wasi2.h"

namespace tern::wasi2::testing {

class WasiP2Fixture : public ::testing::Test {
 protected:
  void SetUp() override {
    engine_ = instance::Engine::create({}).value();
    io_ = defineWasiP2(linker_);
  }
  // The session is created on first use, so tests can configure ctx_ first.
  Session& session() {
    if (!session_) {
      session_ = std::make_unique<Session>(*engine_, instance::StoreLimits{}, &request_);
    }
    return *session_;
  }
  // Calls `iface`'s `name` with `args`; the results (one slot) or the error (trap/exit).
  Result<Val> call(std::string_view iface, std::string_view name, std::vector<Val> args) {
    const HostFunc* f = linker_.findFunc(iface, name);
    if (!f) return fail(ErrorCode::kUnlinkable, "no host function ", iface, " ", name);
    HostCall hc(session(), nullptr);
    std::vector<Val> results(1);
    TERN_TRY((*f)(hc, args, results));
    return results[0];
  }
  // The same, for functions expected to succeed.
  Val ok(std::string_view iface, std::string_view name, std::vector<Val> args) {
    auto r = call(iface, name, std::move(args));
    EXPECT_TRUE(r.has_value()) << iface << " " << name << ": " << (r ? "" : r.error().toString());
    return r ? *r : Val{};
  }
  HostResources& resources() { return session().resources(); }
  const ResourceType* resource(std::string_view iface, std::string_view name) {
    return linker_.findResource(iface, name);
  }

  static constexpr std::string_view kStreams = "wasi:io/streams@0.2.12";
  static constexpr std::string_view kPoll = "wasi:io/poll@0.2.12";
  static constexpr std::string_view kError = "wasi:io/error@0.2.12";

  std::unique_ptr<instance::Engine> engine_;
  ComponentLinker linker_;
  IoTypes io_;
  WasiP2Context ctx_;
  instance::RequestContext request_{.wasi2 = &ctx_};  // the request the session serves
  std::unique_ptr<Session> session_;
};

}  // namespace tern::wasi2::testing
