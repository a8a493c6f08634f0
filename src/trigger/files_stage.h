// A component's `files` as a folder the guest sees at "/" (Spin's static file mounts).
//
// `files = ["static/**"]` puts each matching file at the same relative path under "/";
// `{ source = "dir", destination = "/x" }` puts dir's contents under /x. `exclude_files` patterns
// drop matches. Files are hard-linked (or copied) into a private staging folder at start-up, so a
// guest can only ever see what the manifest names, and the folder is mounted read-only.
#pragma once

#include <string>
#include <string_view>

#include "common/glob.h"
#include "common/result.h"
#include "manifest/manifest.h"

namespace tern::trigger {

// Populates `stage_dir` (created if needed) from `component.files`, relative to `app_dir`.
// Errors: kIo naming the file that could not be linked or copied; kAppLoad for a
// placement whose source does not exist.
Result<void> stageFiles(const manifest::Component& component, const std::string& app_dir,
                        const std::string& stage_dir);

}  // namespace tern::trigger
