// Internal to the manifest stage: Spin 1 manifests upgraded to the version 2 table model.
#pragma once

#include "manifest/parse_context.h"

namespace tern::manifest::detail {

// `spin_version = "1"` or `spin_manifest_version = "1"`.
bool isV1Manifest(const toml::table& root);

// The version 2 tables for a version 1 manifest; problems of the v1 shape go to `ctx`.
toml::table upgradeV1(ParseContext& ctx, const toml::table& v1);

// Teaches `ctx` the v1 positions of `upgraded`'s nodes (toml++ copies carry none), so later errors
// name the v1 file's lines. `upgraded` must not move or change afterwards.
void rememberV1Positions(ParseContext& ctx, const toml::table& v1, const toml::table& upgraded);

}  // namespace tern::manifest::detail
