// Internal to the manifest stage: typed reads from toml++ tables that collect every error.
#pragma once

#define TOML_EXCEPTIONS 0
#include <toml++/toml.h>

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "manifest/manifest.h"

namespace tern::manifest::detail {

class ParseContext {
 public:
  ParseContext(std::string path, std::string dir) : path_(std::move(path)), dir_(std::move(dir)) {}

  // The position of a node's region; for nodes copied out of a version 1 manifest (v1.h), where
  // toml++ keeps no position, the original's.
  SourcePos pos(const toml::source_region& r) const {
    auto it = remap_.find(&r);
    const toml::source_region& at = it == remap_.end() ? r : it->second;
    return {static_cast<uint32_t>(at.begin.line), static_cast<uint32_t>(at.begin.column)};
  }
  // Records that the node (or key) whose region is `copy` came from the one at `original`.
  void remember(const toml::source_region& copy, const toml::source_region& original) {
    remap_[&copy] = original;
  }
  void error(SourcePos at, std::string message);
  void error(const toml::source_region& at, std::string message) {
    error(pos(at), std::move(message));
  }

  // Reports every key of `table` not in `allowed` ("unknown key `x` in <where>").
  void checkKeys(const toml::table& table, std::initializer_list<std::string_view> allowed,
                 std::string_view where);

  // Typed reads: nullopt when absent (an error when `required`) or of the wrong type (an error).
  std::optional<std::string> getString(const toml::table& t, std::string_view key,
                                       std::string_view where, bool required = false);
  std::optional<bool> getBool(const toml::table& t, std::string_view key, std::string_view where);
  std::optional<int64_t> getInt(const toml::table& t, std::string_view key, std::string_view where);
  const toml::table* getTable(const toml::table& t, std::string_view key, std::string_view where);
  std::vector<std::string> getStringList(const toml::table& t, std::string_view key,
                                         std::string_view where);
  // A table of string values, in document order.
  std::vector<std::pair<std::string, std::string>> getStringMap(const toml::table& t,
                                                                std::string_view key,
                                                                std::string_view where);

  // Relative paths are taken from the manifest folder.
  std::string resolve(std::string_view path) const;
  const std::string& dir() const { return dir_; }
  bool ok() const { return errors_.empty(); }
  // "PATH:LINE:COL: message" lines in document order.
  std::string report() const;

 private:
  struct Diagnostic {
    SourcePos pos;
    std::string message;
  };
  std::string path_;
  std::string dir_;
  std::vector<Diagnostic> errors_;
  std::unordered_map<const toml::source_region*, toml::source_region> remap_;
};

// Identifier forms Spin enforces.
bool isKebabId(std::string_view s);
bool isSnakeId(std::string_view s);

// `[component.<id>]` tables and inline `component = { ... }` values.
std::optional<Component> parseComponent(ParseContext& ctx, std::string id, const toml::table& t,
                                        const std::vector<Variable>& variables,
                                        const LoadOptions& options);

}  // namespace tern::manifest::detail
