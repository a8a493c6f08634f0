// The spec interpreter's `spectest` host module, recreated for each script's Store and Linker.
#pragma once

#include "common/result.h"
#include "instance/engine.h"

namespace tern::spec {

// Creates the `spectest` objects in `store` and defines them in `linker` under "spectest":
// print* functions (no-ops), immutable globals global_i32/i64 = 666 and global_f32/f64 = 666.6,
// `table` (funcref, 10..20) and `memory` (1..2 pages), as in the reference interpreter's
// spectest.ml. The objects live as long as `store`. Errors come from the store's allocators.
Result<void> defineSpectest(instance::Store& store, instance::Linker& linker);

}  // namespace tern::spec
