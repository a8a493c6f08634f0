// The WASI host's limits, defined with every other limit in common/limits.h.
#pragma once

#include "common/limits.h"

namespace tern::wasi {

using limits::kDefaultCaptureBytes;
using limits::kMaxDirEntries;
using limits::kMaxFds;
using limits::kMaxIovecs;
using limits::kMaxPathBytes;
using limits::kMaxPollSubscriptions;
using limits::kMaxSymlinkFollows;

}  // namespace tern::wasi
