// Internal to the manifest stage: typed reads from toml++ tables that collect every error.
#pragma once

#define TOML_EXCEPTIONS 0
#include <toml++/toml.h>

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "manifest/manifest.h"

namespace tern::manifest::detail {

class ParseContext {
 public:
  ParseContext(std::string path, std::string dir) : path_(std::move(path)), dir_(std::move(dir)) {}

  static SourcePos pos(const toml::source_region& r) {
    return {static_cast<uint32_t>(r.begin.line), static_cast<uint32_t>(r.begin.column)};
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
};

// Identifier forms Spin enforces.
bool isKebabId(std::string_view s);
bool isSnakeId(std::string_view s);

// `[component.<id>]` tables and inline `component = { ... }` values.
std::optional<Component> parseComponent(ParseContext& ctx, std::string id, const toml::table& t,
                                        const std::vector<Variable>& variables,
                                        const LoadOptions& options);

}  // namespace tern::manifest::detail
