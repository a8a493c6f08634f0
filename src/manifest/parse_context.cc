// Typed, error-collecting reads from toml++ tables for the manifest parser.
#include "manifest/parse_context.h"

#include <algorithm>
#include <cctype>
#include <filesystem>

namespace tern::manifest::detail {
namespace {

std::string_view typeName(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a float";
    case toml::node_type::boolean:
      return "a boolean";
    default:
      return "a date/time";
  }
}

std::string where(std::string_view key, std::string_view in) {
  return "`" + std::string(key) + "` in " + std::string(in);
}

}  // namespace

void ParseContext::error(SourcePos at, std::string message) {
  errors_.push_back({at, std::move(message)});
}

void ParseContext::checkKeys(const toml::table& table,
                             std::initializer_list<std::string_view> allowed, std::string_view in) {
  for (auto&& [k, v] : table) {
    if (std::find(allowed.begin(), allowed.end(), k.str()) != allowed.end()) continue;
    std::string expected;
    for (std::string_view a : allowed)
      expected += (expected.empty() ? "`" : ", `") + std::string(a) + "`";
    error(k.source(), "unknown key `" + std::string(k.str()) + "` in " + std::string(in) +
                          " (expected one of " + expected + ")");
  }
}

std::optional<std::string> ParseContext::getString(const toml::table& t, std::string_view key,
                                                   std::string_view in, bool required) {
  const toml::node* n = t.get(key);
  if (!n) {
    if (required) error(t.source(), "missing required key " + where(key, in));
    return std::nullopt;
  }
  if (const auto* s = n->as_string()) return s->get();
  error(n->source(), where(key, in) + " must be a string, not " + std::string(typeName(*n)));
  return std::nullopt;
}

std::optional<bool> ParseContext::getBool(const toml::table& t, std::string_view key,
                                          std::string_view in) {
  const toml::node* n = t.get(key);
  if (!n) return std::nullopt;
  if (const auto* b = n->as_boolean()) return b->get();
  error(n->source(), where(key, in) + " must be a boolean, not " + std::string(typeName(*n)));
  return std::nullopt;
}

std::optional<int64_t> ParseContext::getInt(const toml::table& t, std::string_view key,
                                            std::string_view in) {
  const toml::node* n = t.get(key);
  if (!n) return std::nullopt;
  if (const auto* i = n->as_integer()) return i->get();
  error(n->source(), where(key, in) + " must be an integer, not " + std::string(typeName(*n)));
  return std::nullopt;
}

const toml::table* ParseContext::getTable(const toml::table& t, std::string_view key,
                                          std::string_view in) {
  const toml::node* n = t.get(key);
  if (!n) return nullptr;
  if (const auto* tt = n->as_table()) return tt;
  error(n->source(), where(key, in) + " must be a table, not " + std::string(typeName(*n)));
  return nullptr;
}

std::vector<std::string> ParseContext::getStringList(const toml::table& t, std::string_view key,
                                                     std::string_view in) {
  std::vector<std::string> out;
  const toml::node* n = t.get(key);
  if (!n) return out;
  const auto* arr = n->as_array();
  if (!arr) {
    error(n->source(),
          where(key, in) + " must be an array of strings, not " + std::string(typeName(*n)));
    return out;
  }
  for (const toml::node& e : *arr) {
    if (const auto* s = e.as_string()) {
      out.push_back(s->get());
    } else {
      error(e.source(),
            "entries of " + where(key, in) + " must be strings, not " + std::string(typeName(e)));
    }
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> ParseContext::getStringMap(const toml::table& t,
                                                                            std::string_view key,
                                                                            std::string_view in) {
  std::vector<std::pair<std::string, std::string>> out;
  const toml::table* m = getTable(t, key, in);
  if (!m) return out;
  for (auto&& [k, v] : *m) {
    if (const auto* s = v.as_string()) {
      out.emplace_back(std::string(k.str()), s->get());
    } else {
      error(v.source(), "value of `" + std::string(k.str()) + "` in " + where(key, in) +
                            " must be a string, not " + std::string(typeName(v)));
    }
  }
  return out;
}

std::string ParseContext::resolve(std::string_view path) const {
  std::filesystem::path p(path);
  if (!p.is_absolute()) p = std::filesystem::path(dir_) / p;
  std::string out = p.lexically_normal().string();
  if (out.size() > 1 && out.ends_with('/')) out.pop_back();
  return out;
}

std::string ParseContext::report() const {
  std::vector<Diagnostic> sorted = errors_;
  std::stable_sort(sorted.begin(), sorted.end(), [](const Diagnostic& a, const Diagnostic& b) {
    return a.pos.line != b.pos.line ? a.pos.line < b.pos.line : a.pos.column < b.pos.column;
  });
  std::string out;
  for (const auto& d : sorted) {
    out += path_ + ":" + std::to_string(d.pos.line) + ":" + std::to_string(d.pos.column) + ": " +
           d.message + "\n";
  }
  if (!out.empty()) out.pop_back();
  return out;
}

bool isKebabId(std::string_view s) {
  if (s.empty() || !std::islower(static_cast<unsigned char>(s[0]))) return false;
  if (s.back() == '-' || s.find("--") != std::string_view::npos) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return std::islower(static_cast<unsigned char>(c)) ||
           std::isdigit(static_cast<unsigned char>(c)) || c == '-';
  });
}

bool isSnakeId(std::string_view s) {
  if (s.empty() || !std::islower(static_cast<unsigned char>(s[0]))) return false;
  if (s.back() == '_' || s.find("__") != std::string_view::npos) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return std::islower(static_cast<unsigned char>(c)) ||
           std::isdigit(static_cast<unsigned char>(c)) || c == '_';
  });
}

}  // namespace tern::manifest::detail
