// Every component value type through real calls: the host calls a guest export, which forwards
// its flat arguments to a host import of the same type (testdata/values.wat), so canon lift and
// lower run in both directions for imports and exports.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "common/observation.h"
#include "component/component.h"
#include "component/component_test_util.h"

namespace tern::component {
namespace {

using testing::readFile;
using testing::testdata;

class ComponentValues : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    engine_ = instance::Engine::create({}).value().release();
    auto bytes = readFile(testdata("values.wasm"));
    if (bytes.empty()) return;
    auto c = Component::compile(*engine_, bytes);
    ASSERT_TRUE(c) << c.error().toString();
    component_ = new std::shared_ptr<const Component>(*c);
  }
  void SetUp() override {
    if (!component_) GTEST_SKIP() << "values.wasm not built (jco missing)";
    defineHost();
    session_ = std::make_unique<Session>(*engine_, instance::StoreLimits{}, &request_);
    auto inst = session_->instantiate(linker_, *component_);
    ASSERT_TRUE(inst) << inst.error().toString();
    inst_ = *inst;
  }

  Result<std::vector<Val>> call(std::string_view name, std::vector<Val> args) {
    const ExportFunc* f = inst_->exportFunc("", name);
    if (!f) return fail(ErrorCode::kInvalidArgument, "no export ", name);
    return inst_->call(f, args);
  }
  Val call1(std::string_view name, std::vector<Val> args) {
    auto r = call(name, std::move(args));
    EXPECT_TRUE(r) << r.error().toString();
    if (!r || r->size() != 1) return Val{};
    return (*r)[0];
  }

  void define(std::string_view name, HostFunc f) { linker_.defineFunc("", name, std::move(f)); }
  void defineHost();

  static instance::Engine* engine_;
  static std::shared_ptr<const Component>* component_;
  ComponentLinker linker_;
  instance::RequestContext request_;  // the session's; a test may set its observation
  std::unique_ptr<Session> session_;
  ComponentInstance* inst_ = nullptr;
  std::vector<Val> seen_;  // arguments the host functions received
};

instance::Engine* ComponentValues::engine_ = nullptr;
std::shared_ptr<const Component>* ComponentValues::component_ = nullptr;

void ComponentValues::defineHost() {
  define("h-prims", [this](HostCall&, std::span<Val> args, std::span<Val> out) -> Result<void> {
    seen_.assign(args.begin(), args.end());
    out[0] = Val::tuple(std::vector<Val>(args.begin(), args.end()));
    return {};
  });
  define("h-string", [](HostCall&, std::span<Val> args, std::span<Val> out) -> Result<void> {
    out[0] = Val::string("<" + args[0].bytes + ">");
    return {};
  });
  define("h-list", [](HostCall&, std::span<Val> args, std::span<Val> out) -> Result<void> {
    std::vector<Val> items = args[0].items;
    std::reverse(items.begin(), items.end());
    out[0] = Val::list(std::move(items));
    return {};
  });
  define("h-bytes", [](HostCall&, std::span<Val> args, std::span<Val> out) -> Result<void> {
    std::string b = args[0].bytes;
    std::reverse(b.begin(), b.end());
    out[0] = Val::byteList(std::move(b));
    return {};
  });
  define("h-rec", [](HostCall&, std::span<Val> args, std::span<Val> out) -> Result<void> {
    const Val& r = args[0];
    std::vector<Val> c = r.items[2].items;
    std::reverse(c.begin(), c.end());
    out[0] = Val::record({Val::u8(uint8_t(r.items[0].u + 1)), Val::string(r.items[1].bytes + "?"),
                          Val::list(std::move(c))});
    return {};
  });
  define("h-var", [](HostCall&, std::span<Val> args, std::span<Val> out) -> Result<void> {
    const Val& v = args[0];
    switch (v.disc) {
      case 1: out[0] = Val::variant(1, Val::u32(uint32_t(v.payload().u + 1))); break;
      case 2: out[0] = Val::variant(2, Val::string(v.payload().bytes + "~")); break;
      case 3: out[0] = Val::variant(3, Val::float64(v.payload().f64 * 2)); break;
      default: out[0] = Val::variant(0); break;
    }
    return {};
  });
  define("h-enum", [](HostCall&, std::span<Val> args, std::span<Val> out) -> Result<void> {
    out[0] = Val::enumCase((args[0].disc + 1) % 3);
    return {};
  });
  define("h-opt", [](HostCall&, std::span<Val> args, std::span<Val> out) -> Result<void> {
    out[0] = args[0].isSome() ? Val::some(Val::string(args[0].payload().bytes + args[0].payload().bytes))
                              : Val::none();
    return {};
  });
  define("h-res", [](HostCall&, std::span<Val> args, std::span<Val> out) -> Result<void> {
    const Val& r = args[0];
    out[0] = r.isOk() ? Val::err(Val::string(std::to_string(r.payload().u)))
                      : Val::ok(Val::u32(uint32_t(r.payload().bytes.size())));
    return {};
  });
  define("h-flags", [](HostCall&, std::span<Val> args, std::span<Val> out) -> Result<void> {
    Val f;
    f.kind = TypeKind::kFlags;
    f.flags = {args[0].flags.empty() ? 5u : args[0].flags[0] ^ 5u};
    out[0] = f;
    return {};
  });
  define("h-tup", [](HostCall&, std::span<Val> args, std::span<Val> out) -> Result<void> {
    const Val& t = args[0];
    std::string s = t.items[2].bytes;
    std::reverse(s.begin(), s.end());
    out[0] = Val::tuple({Val::u8(uint8_t(t.items[0].u + 1)), Val::s64(-t.items[1].i), Val::string(s)});
    return {};
  });
  define("h-many", [](HostCall&, std::span<Val> args, std::span<Val> out) -> Result<void> {
    uint64_t sum = 0;
    for (const Val& a : args) sum += a.u;
    out[0] = Val::u32(uint32_t(sum));
    return {};
  });
}

TEST_F(ComponentValues, PrimitivesRoundTrip) {
  std::vector<Val> args = {Val::boolean(true), Val::sint(TypeKind::kS8, -5), Val::u8(200),
                           Val::sint(TypeKind::kS16, -30000), Val::u16(60000), Val::s32(-123456),
                           Val::u32(4000000000u), Val::s64(-(int64_t(1) << 40)), Val::u64(~uint64_t(0)),
                           Val::float32(1.5f), Val::float64(-2.25), Val::character(U'\U0001F600')};
  Val r = call1("prims", args);
  ASSERT_EQ(r.kind, TypeKind::kTuple);
  ASSERT_EQ(r.items.size(), 12u);
  EXPECT_TRUE(r.items[0].b);
  EXPECT_EQ(r.items[1].i, -5);
  EXPECT_EQ(r.items[2].u, 200u);
  EXPECT_EQ(r.items[3].i, -30000);
  EXPECT_EQ(r.items[4].u, 60000u);
  EXPECT_EQ(r.items[5].i, -123456);
  EXPECT_EQ(r.items[6].u, 4000000000u);
  EXPECT_EQ(r.items[7].i, -(int64_t(1) << 40));
  EXPECT_EQ(r.items[8].u, ~uint64_t(0));
  EXPECT_EQ(r.items[9].f32, 1.5f);
  EXPECT_EQ(r.items[10].f64, -2.25);
  EXPECT_EQ(r.items[11].ch, U'\U0001F600');
  ASSERT_EQ(seen_.size(), 12u);  // the host saw typed values, not raw flat words
  EXPECT_EQ(seen_[1].kind, TypeKind::kS8);
  EXPECT_EQ(seen_[11].ch, U'\U0001F600');
}

TEST_F(ComponentValues, StringsInEveryEncoding) {
  EXPECT_EQ(call1("string", {Val::string("héllo")}).bytes, "<héllo>");
  EXPECT_EQ(call1("string16", {Val::string("日本 \U0001F600")}).bytes, "<日本 \U0001F600>");
  EXPECT_EQ(call1("string-latin1", {Val::string("caf\xc3\xa9")}).bytes, "<caf\xc3\xa9>");
  EXPECT_EQ(call1("string-latin1", {Val::string("Ω wide")}).bytes, "<Ω wide>");
  EXPECT_EQ(call1("string", {Val::string("")}).bytes, "<>");
}

TEST_F(ComponentValues, Lists) {
  Val l = call1("list", {Val::list({Val::u32(1), Val::u32(2), Val::u32(3)})});
  ASSERT_EQ(l.items.size(), 3u);
  EXPECT_EQ(l.items[0].u, 3u);
  EXPECT_EQ(l.items[2].u, 1u);
  EXPECT_EQ(call1("bytes", {Val::byteList(std::string("\x01\x02\x00\xff", 4))}).bytes,
            std::string("\xff\x00\x02\x01", 4));
  EXPECT_TRUE(call1("list", {Val::list({})}).items.empty());
}

TEST_F(ComponentValues, RecordsTuplesVariants) {
  Val r = call1("rec", {Val::record({Val::u8(9), Val::string("b"),
                                     Val::list({Val::string("x"), Val::string("y")})})});
  ASSERT_EQ(r.items.size(), 3u);
  EXPECT_EQ(r.items[0].u, 10u);
  EXPECT_EQ(r.items[1].bytes, "b?");
  EXPECT_EQ(r.items[2].items[0].bytes, "y");
  Val t = call1("tup", {Val::tuple({Val::u8(1), Val::s64(77), Val::string("abc")})});
  EXPECT_EQ(t.items[0].u, 2u);
  EXPECT_EQ(t.items[1].i, -77);
  EXPECT_EQ(t.items[2].bytes, "cba");
  EXPECT_EQ(call1("var", {Val::variant(0)}).disc, 0u);
  EXPECT_EQ(call1("var", {Val::variant(1, Val::u32(41))}).payload().u, 42u);
  EXPECT_EQ(call1("var", {Val::variant(2, Val::string("s"))}).payload().bytes, "s~");
  EXPECT_EQ(call1("var", {Val::variant(3, Val::float64(1.25))}).payload().f64, 2.5);
}

TEST_F(ComponentValues, EnumsOptionsResultsFlags) {
  EXPECT_EQ(call1("enum", {Val::enumCase(2)}).disc, 0u);
  Val some = call1("opt", {Val::some(Val::string("ab"))});
  ASSERT_TRUE(some.isSome());
  EXPECT_EQ(some.payload().bytes, "abab");
  EXPECT_FALSE(call1("opt", {Val::none()}).isSome());
  Val err = call1("res", {Val::ok(Val::u32(123))});
  ASSERT_FALSE(err.isOk());
  EXPECT_EQ(err.payload().bytes, "123");
  Val ok = call1("res", {Val::err(Val::string("four"))});
  ASSERT_TRUE(ok.isOk());
  EXPECT_EQ(ok.payload().u, 4u);
  Val flags;
  flags.kind = TypeKind::kFlags;
  flags.flags = {0b011};
  Val f = call1("flags", {flags});
  ASSERT_EQ(f.flags.size(), 1u);
  EXPECT_EQ(f.flags[0], 0b110u);
}

TEST_F(ComponentValues, SeventeenParamsGoThroughMemory) {
  std::vector<Val> args;
  for (uint32_t i = 1; i <= 17; ++i) args.push_back(Val::u32(i));
  EXPECT_EQ(call1("many", args).u, 153u);
}

TEST_F(ComponentValues, PostReturnRunsAfterResultsAreLifted) {
  EXPECT_EQ(call1("post-count", {}).u, 0u);
  EXPECT_EQ(call1("greeting", {}).bytes, "hello from the guest");
  EXPECT_EQ(call1("greeting", {}).bytes, "hello from the guest");
  EXPECT_EQ(call1("post-count", {}).u, 2u);
}

TEST_F(ComponentValues, WrongArgumentsAreErrorsNotCrashes) {
  auto r = call("string", {Val::u32(1)});
  ASSERT_FALSE(r);
  r = call("string", {});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
}

TEST_F(ComponentValues, TrapPoisonsTheInstance) {
  auto r = call("trap", {});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kTrap);
  auto again = call("post-count", {});
  ASSERT_FALSE(again);
  EXPECT_NE(again.error().message.find("trapped earlier"), std::string::npos);
}

// Counts host calls per interface id, as observe/ does for its host-call metric.
class CountingObservation final : public obs::RequestObservation {
 public:
  void routed(std::string_view, std::string_view) override {}
  void phaseBegin(obs::Phase) override {}
  void phaseEnd(obs::Phase, const Error*) override {}
  void memoryInUse(uint64_t) override {}
  void hostCallBegin(uint32_t id, std::string_view function) override {
    ++calls[id];
    functions.emplace_back(function);
  }
  void hostCallEnd(uint32_t id, bool failed) override { failures[id] += failed ? 1 : 0; }
  std::optional<obs::TraceHeaders> traceHeaders() const override { return std::nullopt; }
  std::string traceId() const override { return ""; }
  void end(uint16_t) override {}
  std::map<uint32_t, int> calls, failures;
  std::vector<std::string> functions;
};

TEST_F(ComponentValues, HostCallsAreReportedPerInterface) {
  CountingObservation observation;
  request_.observation = &observation;  // the request the session serves is now observed
  EXPECT_EQ(call1("string", {Val::string("x")}).bytes, "<x>");
  // The same host function, now failing: the call is reported as failed.
  define("h-string", [](HostCall&, std::span<Val>, std::span<Val>) -> Result<void> {
    return fail(ErrorCode::kInvalidArgument, "refused");
  });
  auto refused = call("string", {Val::string("y")});
  request_.observation = nullptr;
  ASSERT_FALSE(refused);
  // A bare function import counts under its own name.
  uint32_t id = obs::interfaceId("h-string");
  EXPECT_EQ(observation.calls[id], 2);
  EXPECT_EQ(observation.failures[id], 1);
  EXPECT_EQ(observation.calls.size(), 1u);  // no other host function ran
  EXPECT_EQ(observation.functions, (std::vector<std::string>{"h-string", "h-string"}));
}

TEST_F(ComponentValues, MissingHostFunctionIsUnlinkable) {
  ComponentLinker partial;
  Session session(*engine_, {}, nullptr);
  auto inst = session.instantiate(partial, *component_);
  ASSERT_FALSE(inst);
  EXPECT_EQ(inst.error().code, ErrorCode::kUnlinkable);
  EXPECT_NE(inst.error().message.find("h-prims"), std::string::npos) << inst.error().message;
}

TEST_F(ComponentValues, ImportsAndExportsAreListed) {
  const Component& c = **component_;
  ASSERT_EQ(c.imports().size(), 12u);
  EXPECT_EQ(c.imports()[0].name, "h-prims");
  EXPECT_FALSE(c.imports()[0].is_instance);
  EXPECT_NE(c.findExport("many"), nullptr);
  EXPECT_EQ(c.findExport("nope"), nullptr);
  const FuncSig& sig = inst_->signature(inst_->exportFunc("", "many"));
  EXPECT_EQ(sig.params.size(), 17u);
}

}  // namespace
}  // namespace tern::component
