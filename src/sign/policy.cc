// Parsing of trust policy files (toml++) and matching references against their rules.
#include "sign/policy.h"

#define TOML_EXCEPTIONS 0
#include <toml++/toml.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/glob.h"
#include "manifest/units.h"

namespace tern::sign {
namespace {

std::string where(const std::string& path, const toml::node& n) {
  const auto& s = n.source().begin;
  return path + ":" + std::to_string(s.line) + ":" + std::to_string(s.column) + ": ";
}

Result<PolicyLimits> parseLimits(const toml::table& t, const std::string& path) {
  PolicyLimits l;
  for (const auto& [k, v] : t) {
    auto s = v.value<std::string>();
    if (k == "max_instance_memory" && s) {
      l.max_instance_memory = manifest::parseSize(*s);
      if (!l.max_instance_memory || *l.max_instance_memory == 0) {
        return fail(ErrorCode::kPolicy, where(path, v), "bad size '", *s, "'");
      }
    } else if (k == "request_timeout" && s) {
      l.request_timeout = manifest::parseDuration(*s);
      if (!l.request_timeout || l.request_timeout->count() == 0) {
        return fail(ErrorCode::kPolicy, where(path, v), "bad duration '", *s, "'");
      }
    } else {
      return fail(ErrorCode::kPolicy, where(path, v), "unknown limit '", k.str(),
                  "' (max_instance_memory, request_timeout: strings)");
    }
  }
  return l;
}

Result<PolicyRule> parseRule(const toml::table& t, const std::string& path) {
  PolicyRule r;
  for (const auto& [k, v] : t) {
    if (k == "image" && v.is_string()) {
      r.image = *v.value<std::string>();
    } else if (k == "keys" && v.is_array()) {
      for (const auto& e : *v.as_array()) {
        if (!e.is_string()) return fail(ErrorCode::kPolicy, where(path, e), "keys are paths");
        r.key_paths.push_back(*e.value<std::string>());
      }
    } else if (k == "required" && v.is_boolean()) {
      r.required = *v.value<bool>();
    } else if (k == "require_digest" && v.is_boolean()) {
      r.require_digest = *v.value<bool>();
    } else if (k == "limits" && v.is_table()) {
      auto l = parseLimits(*v.as_table(), path);
      if (!l) return fail(l.error());
      r.limits = *l;
    } else {
      return fail(ErrorCode::kPolicy, where(path, v), "unknown or mistyped key '", k.str(),
                  "' in [[verify]]");
    }
  }
  if (r.image.empty()) return fail(ErrorCode::kPolicy, where(path, t), "[[verify]] needs image");
  if (r.key_paths.empty() && r.required) {
    return fail(ErrorCode::kPolicy, where(path, t), "[[verify]] for '", r.image,
                "' requires a signature but names no keys");
  }
  std::filesystem::path base = std::filesystem::path(path).parent_path();
  for (const auto& kp : r.key_paths) {
    std::filesystem::path p = kp;
    auto key = PublicKey::load(p.is_absolute() ? kp : (base / p).string());
    if (!key) return fail(key.error());
    r.keys.push_back(std::move(*key));
  }
  return r;
}

}  // namespace

Result<Policy> parsePolicy(std::string_view text, const std::string& path) {
  toml::parse_result parsed = toml::parse(text, path);
  if (!parsed) {
    const auto& e = parsed.error();
    return fail(ErrorCode::kPolicy, path, ":", std::to_string(e.source().begin.line), ":",
                std::to_string(e.source().begin.column), ": ", e.description());
  }
  Policy p;
  p.path = path;
  for (const auto& [k, v] : parsed.table()) {
    if (k == "unmatched" && v.is_string()) {
      std::string u = *v.value<std::string>();
      if (u != "refuse" && u != "allow") {
        return fail(ErrorCode::kPolicy, where(path, v), "unmatched is \"refuse\" or \"allow\"");
      }
      p.allow_unmatched = u == "allow";
    } else if (k == "verify" && v.is_array_of_tables()) {
      for (const auto& e : *v.as_array()) {
        auto r = parseRule(*e.as_table(), path);
        if (!r) return fail(r.error());
        p.rules.push_back(std::move(*r));
      }
    } else {
      return fail(ErrorCode::kPolicy, where(path, v), "unknown or mistyped key '", k.str(),
                  "' (unmatched, [[verify]])");
    }
  }
  return p;
}

Result<Policy> loadPolicy(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(ErrorCode::kPolicy, "cannot read policy file ", path);
  std::ostringstream s;
  s << in.rdbuf();
  return parsePolicy(s.str(), path);
}

const PolicyRule* Policy::match(const std::string& repository) const {
  for (const auto& r : rules) {
    if (globMatch(r.image, repository)) return &r;
  }
  return nullptr;
}

}  // namespace tern::sign
