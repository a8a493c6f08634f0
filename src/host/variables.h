// Application variables: resolving `[variables]` through providers (runtime-config static values
// and environment variables) and expanding the `{{ name }}` templates of component `variables`.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"
#include "host/runtime_config.h"
#include "manifest/manifest.h"

namespace tern::host {

// Reads the process environment; replaceable in tests.
using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;
EnvLookup processEnv();

// Resolved application variables: name -> value.
using VariableValues = std::map<std::string, std::string, std::less<>>;

// Resolves every `[variables]` entry. Order, as Spin's CLI: `overrides` (`tern up --variable`),
// the runtime config's providers in file order, then the environment (`SPIN_VARIABLE_<NAME>`,
// upper-cased), then `default`. Errors: kHostConfig naming every `required` variable that no
// provider set.
Result<VariableValues> resolveVariables(const std::vector<manifest::Variable>& variables,
                                        const std::vector<VariablesProviderConfig>& providers,
                                        const EnvLookup& env, const VariableValues& overrides = {});

// Expands `{{ name }}` (spaces allowed inside the braces) from `values`. Errors:
// kHostConfig for an unterminated `{{` or a name with no value.
Result<std::string> expandTemplate(std::string_view text, const VariableValues& values);

// Spin's variable key rule: lower-case ASCII letters, digits and single underscores, starting
// with a letter. Returns the reason when `name` breaks it.
std::optional<std::string> invalidVariableName(std::string_view name);

}  // namespace tern::host
