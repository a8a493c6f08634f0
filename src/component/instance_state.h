// The runtime state of one component instance: the plan's slots filled in, its handle table, and
// the adapters between host calls and core code (canon lift/lower at run time).
#pragma once

#include <memory>
#include <span>
#include <vector>

#include "component/canon.h"
#include "component/component_impl.h"
#include "component/handle_table.h"

namespace tern::component {

class InstanceState final : public HandleOps {
 public:
  InstanceState(Session& session, ComponentInstance* owner,
                std::shared_ptr<const Component> component,
                std::shared_ptr<const LinkedImports> linked);

  // Runs the instantiation plan (core instances, lowered imports, resource built-ins).
  Result<void> run();
  // An exported (lifted) function called from the host.
  Result<std::vector<Val>> callExport(const LiftedFunc& func, std::span<const Val> args);

  Result<uint32_t> liftOwn(const ResourceType* type, uint32_t handle) override;
  Result<uint32_t> liftBorrow(const ResourceType* type, uint32_t handle) override;
  Result<uint32_t> lowerOwn(const ResourceType* type, uint32_t rep) override;
  Result<uint32_t> lowerBorrow(const ResourceType* type, uint32_t rep) override;

  const ComponentData& data() const { return data_; }
  Session& session() const { return session_; }
  const HandleTable& handles() const { return handles_; }

 private:
  Result<void> runStep(const Step& step, std::vector<instance::Extern>& scratch);
  instance::Func* makeLowered(const Step& step);
  instance::Func* makeResourceFunc(const Step& step);
  Result<void> callLowered(const LoweredFunc& f, std::span<const instance::Value> args,
                           std::span<instance::Value> results);
  Result<std::vector<Val>> callLifted(const LiftedFunc& func, std::span<const Val> args);
  Result<void> dropHandle(const CompResource& res, uint32_t handle);
  CanonOptions options(const OptSlots& slots) const;
  void endBorrowScope(size_t mark);

  Session& session_;
  ComponentInstance* owner_;
  std::shared_ptr<const Component> component_;  // keeps data_ alive
  const ComponentData& data_;
  std::shared_ptr<const LinkedImports> linked_;
  std::vector<instance::Extern> externs_;
  std::vector<instance::Instance*> cores_;
  HandleTable handles_;
  std::vector<uint32_t> lent_;  // borrow handles given to the guest by the running export call
  bool in_export_ = false;
  bool poisoned_ = false;
};

}  // namespace tern::component
