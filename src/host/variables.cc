// Variable providers and `{{ name }}` templates.
#include "host/variables.h"

#include <cctype>
#include <cstdlib>

namespace tern::host {
namespace {

std::string envName(std::string_view prefix, std::string_view name) {
  std::string out(prefix);
  out += '_';
  for (char c : name) out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::optional<std::string> fromProviders(const std::string& name,
                                         const std::vector<VariablesProviderConfig>& providers,
                                         const EnvLookup& env) {
  for (const auto& p : providers) {
    if (p.type == VariablesProviderConfig::Type::kStatic) {
      for (const auto& [k, v] : p.values) {
        if (k == name) return v;
      }
    } else if (auto v = env(envName(p.prefix, name))) {
      return v;
    }
  }
  return env(envName("SPIN_VARIABLE", name));
}

}  // namespace

EnvLookup processEnv() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* v = std::getenv(name.c_str());
    if (!v) return std::nullopt;
    return std::string(v);
  };
}

Result<VariableValues> resolveVariables(const std::vector<manifest::Variable>& variables,
                                        const std::vector<VariablesProviderConfig>& providers,
                                        const EnvLookup& env, const VariableValues& overrides) {
  VariableValues out;
  std::string missing;
  for (const auto& var : variables) {
    std::optional<std::string> value;
    if (auto it = overrides.find(var.name); it != overrides.end()) value = it->second;
    if (!value) value = fromProviders(var.name, providers, env);
    if (!value) value = var.default_value;
    if (value) {
      out.emplace(var.name, std::move(*value));
    } else if (var.required) {
      missing += missing.empty() ? "" : ", ";
      missing += var.name + " (set --variable " + var.name + "=VALUE or SPIN_VARIABLE_" +
                 envName("", var.name).substr(1) + ")";
    }
  }
  if (!missing.empty()) {
    return fail(ErrorCode::kHostConfig, "required variable(s) with no value: ", missing);
  }
  return out;
}

Result<std::string> expandTemplate(std::string_view text, const VariableValues& values) {
  std::string out;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t open = text.find("{{", pos);
    if (open == std::string_view::npos) break;
    out.append(text.substr(pos, open - pos));
    size_t close = text.find("}}", open + 2);
    if (close == std::string_view::npos) {
      return fail(ErrorCode::kHostConfig, "unterminated `{{` in '", text, "'");
    }
    std::string_view name = text.substr(open + 2, close - open - 2);
    while (!name.empty() && name.front() == ' ') name.remove_prefix(1);
    while (!name.empty() && name.back() == ' ') name.remove_suffix(1);
    auto it = values.find(name);
    if (it == values.end()) {
      return fail(ErrorCode::kHostConfig, "variable `", name, "` has no value");
    }
    out += it->second;
    pos = close + 2;
  }
  out.append(text.substr(std::min(pos, text.size())));
  return out;
}

std::optional<std::string> invalidVariableName(std::string_view name) {
  if (name.empty()) return "must not be empty";
  if (!std::islower(static_cast<unsigned char>(name[0])))
    return "must start with a lowercase letter";
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    bool ok = std::islower(static_cast<unsigned char>(c)) ||
              std::isdigit(static_cast<unsigned char>(c)) || c == '_';
    if (!ok) return "must contain only lowercase letters, digits and underscores";
    if (c == '_' && (i + 1 == name.size() || name[i + 1] == '_')) {
      return "must not end with or repeat an underscore";
    }
  }
  return std::nullopt;
}

}  // namespace tern::host
