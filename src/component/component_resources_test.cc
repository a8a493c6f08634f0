// Resources through real calls (testdata/resources.wat): host resources passed as own and borrow,
// dropped by the guest (which destroys the host object), guest-defined resources with a
// destructor, and handle misuse trapping cleanly.
#include <gtest/gtest.h>

#include "component/component.h"
#include "component/component_test_util.h"

namespace tern::component {
namespace {

struct Counter : HostObject {
  explicit Counter(uint32_t v, int* destroyed) : value(v), destroyed_(destroyed) {}
  ~Counter() override { ++*destroyed_; }
  uint32_t value;
  int* destroyed_;
};

class ComponentResources : public ::testing::Test {
 protected:
  void SetUp() override {
    engine_ = instance::Engine::create({}).value();
    auto bytes = testing::readFile(testing::testdata("resources.wasm"));
    if (bytes.empty()) GTEST_SKIP() << "resources.wasm not built (jco missing)";
    auto c = Component::compile(*engine_, bytes);
    ASSERT_TRUE(c) << c.error().toString();
    component_ = *c;
    // Defined at 0.1.3: the component imports 0.1.0, which is semver-compatible.
    type_ = linker_.defineResource("test:res/host@0.1.3", "counter");
    linker_.defineFunc("test:res/host@0.1.3", "make-counter",
                       [this](HostCall& call, std::span<Val> args, std::span<Val> out) -> Result<void> {
                         auto rep = call.resources().add(type_, std::make_unique<Counter>(args[0].u, &destroyed_));
                         if (!rep) return fail(rep.error());
                         out[0] = Val::own(*rep);
                         return {};
                       });
    linker_.defineFunc("test:res/host@0.1.3", "[method]counter.inc",
                       [this](HostCall& call, std::span<Val> args, std::span<Val> out) -> Result<void> {
                         auto* c = call.resources().get<Counter>(type_, args[0].rep());
                         if (!c) return fail(ErrorCode::kTrap, "not a counter");
                         out[0] = Val::u32(++c->value);
                         return {};
                       });
    session_ = std::make_unique<Session>(*engine_, instance::StoreLimits{}, nullptr);
    auto inst = session_->instantiate(linker_, component_);
    ASSERT_TRUE(inst) << inst.error().toString();
    inst_ = *inst;
  }
  Result<std::vector<Val>> call(std::string_view name, std::vector<Val> args) {
    return inst_->call(inst_->exportFunc("", name), args);
  }
  uint64_t call1(std::string_view name, std::vector<Val> args) {
    auto r = call(name, std::move(args));
    EXPECT_TRUE(r) << r.error().toString();
    return r && r->size() == 1 ? (*r)[0].u : ~uint64_t(0);
  }
  uint32_t addCounter(uint32_t v) {
    return session_->resources().add(type_, std::make_unique<Counter>(v, &destroyed_)).value();
  }

  std::unique_ptr<instance::Engine> engine_;
  std::shared_ptr<const Component> component_;
  ComponentLinker linker_;
  const ResourceType* type_ = nullptr;
  int destroyed_ = 0;
  std::unique_ptr<Session> session_;
  ComponentInstance* inst_ = nullptr;
};

TEST_F(ComponentResources, GuestCreatesUsesAndDropsHostResource) {
  EXPECT_EQ(call1("use-host", {Val::u32(5)}), 7u);
  EXPECT_EQ(session_->resources().live(), 0u);
  EXPECT_EQ(destroyed_, 1);
}

TEST_F(ComponentResources, OwnArgumentMovesIntoTheGuest) {
  uint32_t rep = addCounter(10);
  EXPECT_EQ(call1("take-own", {Val::own(rep)}), 11u);
  EXPECT_EQ(session_->resources().live(), 0u);  // the guest's drop destroyed it
  EXPECT_EQ(destroyed_, 1);
}

TEST_F(ComponentResources, BorrowArgumentEndsWithTheCall) {
  uint32_t rep = addCounter(20);
  EXPECT_EQ(call1("take-borrow", {Val::borrow(rep)}), 21u);
  EXPECT_EQ(call1("take-borrow", {Val::borrow(rep)}), 22u);
  EXPECT_EQ(session_->resources().live(), 1u);
  EXPECT_EQ(destroyed_, 0);
  // The borrow handle (1) is gone after the call: using it again traps.
  auto r = call("inc-raw", {Val::u32(1)});
  ASSERT_FALSE(r);
}

TEST_F(ComponentResources, OwnResultMovesOutToTheHost) {
  auto r = call("keep", {Val::u32(3)});
  ASSERT_TRUE(r) << r.error().toString();
  uint32_t rep = (*r)[0].rep();
  auto* c = session_->resources().get<Counter>(type_, rep);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->value, 3u);
}

TEST_F(ComponentResources, UnknownHandleTrapsAndPoisons) {
  auto r = call("drop-raw", {Val::u32(12345)});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kTrap);
  EXPECT_FALSE(call("use-host", {Val::u32(1)}));
}

TEST_F(ComponentResources, DoubleDropTraps) {
  auto keep = call("keep", {Val::u32(1)});  // handle 1 moves out, so make one the guest keeps
  ASSERT_TRUE(keep);
  uint32_t rep = addCounter(1);
  ASSERT_TRUE(call("take-own", {Val::own(rep)}));  // guest dropped its handle
  auto r = call("drop-raw", {Val::u32(1)});
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("unknown resource handle"), std::string::npos) << r.error().message;
}

TEST_F(ComponentResources, GuestResourceWithDestructor) {
  auto made = call("make-thing", {Val::u32(42)});
  ASSERT_TRUE(made) << made.error().toString();
  uint32_t rep = (*made)[0].rep();
  EXPECT_EQ(rep, 42u);
  EXPECT_EQ(call1("thing-value", {Val::borrow(rep)}), 42u);  // own-type borrow: the rep
  EXPECT_EQ(call1("drops", {}), 0u);
  EXPECT_EQ(call1("consume-thing", {Val::own(rep)}), 42u);
  EXPECT_EQ(call1("drops", {}), 1u);
}

TEST_F(ComponentResources, SessionEndDestroysHostObjects) {
  addCounter(1);
  addCounter(2);
  session_.reset();
  EXPECT_EQ(destroyed_, 2);
}

TEST(ComponentHost, InterfaceNamesCompatible) {
  EXPECT_TRUE(interfaceNamesCompatible("wasi:io/streams@0.2.10", "wasi:io/streams@0.2.12"));
  EXPECT_TRUE(interfaceNamesCompatible("wasi:io/streams@0.2.0", "wasi:io/streams@0.2.12"));
  EXPECT_FALSE(interfaceNamesCompatible("wasi:io/streams@0.2.0", "wasi:io/streams@0.3.0"));
  EXPECT_FALSE(interfaceNamesCompatible("wasi:io/streams@0.2.0", "wasi:io/poll@0.2.0"));
  EXPECT_TRUE(interfaceNamesCompatible("a:b/c@1.2.0", "a:b/c@1.9.3"));
  EXPECT_FALSE(interfaceNamesCompatible("a:b/c@1.2.0", "a:b/c@2.0.0"));
  EXPECT_FALSE(interfaceNamesCompatible("a:b/c@1.0.0-rc.1", "a:b/c@1.0.0"));
  EXPECT_FALSE(interfaceNamesCompatible("a:b/c", "a:b/c@1.0.0"));
  EXPECT_TRUE(interfaceNamesCompatible("run", "run"));
}

TEST(ComponentHost, LinkerSharesResourceTypesAcrossVersions) {
  ComponentLinker linker;
  const ResourceType* a = linker.defineResource("wasi:io/streams@0.2.12", "input-stream");
  EXPECT_EQ(linker.defineResource("wasi:io/streams@0.2.0", "input-stream"), a);
  EXPECT_EQ(linker.findResource("wasi:io/streams@0.2.10", "input-stream"), a);
  EXPECT_EQ(linker.findResource("wasi:io/streams@0.3.0", "input-stream"), nullptr);
  uint64_t id = linker.id();
  linker.defineFunc("wasi:io/streams@0.2.12", "f", [](HostCall&, std::span<Val>, std::span<Val>) -> Result<void> { return {}; });
  EXPECT_NE(linker.id(), id);
  EXPECT_NE(linker.findFunc("wasi:io/streams@0.2.3", "f"), nullptr);
}

TEST(ComponentHost, HostResourcesReuseRepsAndCheckTypes) {
  HostResources res;
  ResourceType t1, t2;
  int destroyed = 0;
  uint32_t a = res.add(&t1, std::make_unique<Counter>(1, &destroyed)).value();
  EXPECT_NE(a, 0u);
  EXPECT_EQ(res.get(&t2, a), nullptr);
  EXPECT_NE(res.get(&t1, a), nullptr);
  EXPECT_FALSE(res.remove(&t2, a));
  EXPECT_TRUE(res.remove(&t1, a));
  EXPECT_EQ(destroyed, 1);
  EXPECT_FALSE(res.remove(&t1, a));
  EXPECT_EQ(res.get(&t1, 0), nullptr);
  EXPECT_EQ(res.get(&t1, 999), nullptr);
}

}  // namespace
}  // namespace tern::component
