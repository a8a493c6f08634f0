// Rendering and writing the embedded project templates (`tern new`).
#include "cmd/templates.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <system_error>
#include <vector>

namespace tern::cmd {
namespace {

bool isAsciiAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool isAsciiDigit(char c) { return c >= '0' && c <= '9'; }
char lower(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }
char upper(char c) { return static_cast<char>(std::toupper(static_cast<unsigned char>(c))); }

// NAME's words, lowercased: split at '-' and '_', before an upper-case letter that follows a
// lower-case letter or digit ("HelloWorld2" -> hello, world2), and before the last capital of a
// run that lower case follows ("HTTPServer" -> http, server), as Spin's case filters.
std::vector<std::string> words(std::string_view name) {
  std::vector<std::string> out;
  std::string cur;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    if (c == '-' || c == '_') {
      if (!cur.empty()) out.push_back(std::move(cur));
      cur.clear();
      continue;
    }
    auto up = [&](size_t j) { return std::isupper(static_cast<unsigned char>(name[j])) != 0; };
    auto low = [&](size_t j) { return std::islower(static_cast<unsigned char>(name[j])) != 0; };
    // "helloWorld", "hello2World", and the last capital of a run before lower case: "HTTPServer".
    bool boundary = i > 0 && up(i) &&
                    (low(i - 1) || isAsciiDigit(name[i - 1]) ||
                     (up(i - 1) && i + 1 < name.size() && low(i + 1)));
    if (boundary && !cur.empty()) {
      out.push_back(std::move(cur));
      cur.clear();
    }
    cur.push_back(lower(c));
  }
  if (!cur.empty()) out.push_back(std::move(cur));
  return out;
}

std::string joined(std::string_view name, std::string_view sep) {
  std::string out;
  for (const std::string& w : words(name)) {
    if (!out.empty()) out.append(sep);
    out.append(w);
  }
  return out;
}

std::string_view trimmed(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// The value of one placeholder's inside, `project-name` or `project-name | filter`.
Result<std::string> expand(std::string_view inside, std::string_view name) {
  std::string_view param = inside;
  std::string_view filter;
  if (size_t bar = inside.find('|'); bar != std::string_view::npos) {
    param = inside.substr(0, bar);
    filter = trimmed(inside.substr(bar + 1));
  }
  param = trimmed(param);
  if (param != "project-name") {
    return fail(ErrorCode::kInvalidArgument, "unknown template parameter '", param, "'");
  }
  if (filter.empty()) return std::string(name);
  if (filter == "kebab_case") return kebabCase(name);
  if (filter == "snake_case") return snakeCase(name);
  if (filter == "pascal_case") return pascalCase(name);
  return fail(ErrorCode::kInvalidArgument, "unknown template filter '", filter, "'");
}

// DIR may be used when it does not exist or is an empty folder.
Result<void> checkOutputDir(const std::filesystem::path& dir) {
  std::error_code ec;
  auto st = std::filesystem::status(dir, ec);
  if (ec && st.type() != std::filesystem::file_type::not_found) {
    return fail(ErrorCode::kIo, "cannot use ", dir.string(), ": ", ec.message());
  }
  if (st.type() == std::filesystem::file_type::not_found) return {};
  if (st.type() != std::filesystem::file_type::directory) {
    return fail(ErrorCode::kInvalidArgument, dir.string(), " already exists and is not a folder");
  }
  auto it = std::filesystem::directory_iterator(dir, ec);
  if (ec) return fail(ErrorCode::kIo, "cannot read ", dir.string(), ": ", ec.message());
  if (it != std::filesystem::directory_iterator()) {
    return fail(ErrorCode::kInvalidArgument, "folder ", dir.string(),
                " already exists and is not empty (nothing was written; pick another NAME or -o)");
  }
  return {};
}

Result<void> writeFile(const std::filesystem::path& path, const std::string& contents) {
  std::error_code ec;
  std::filesystem::create_directories(path.parent_path(), ec);
  if (ec)
    return fail(ErrorCode::kIo, "cannot create ", path.parent_path().string(), ": ", ec.message());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) return fail(ErrorCode::kIo, "cannot write ", path.string(), ": ", std::strerror(errno));
  out.write(contents.data(), static_cast<std::streamsize>(contents.size()));
  out.close();
  if (!out) return fail(ErrorCode::kIo, "cannot write ", path.string(), ": ", std::strerror(errno));
  return {};
}

}  // namespace

const Template* findTemplate(std::string_view id) {
  for (const Template& t : embeddedTemplates()) {
    if (t.id == id) return &t;
  }
  return nullptr;
}

std::string templateIds() {
  std::string out;
  for (const Template& t : embeddedTemplates()) {
    if (!out.empty()) out += ", ";
    out += t.id;
  }
  return out;
}

Result<void> checkProjectName(std::string_view name) {
  if (name.empty()) return fail(ErrorCode::kInvalidArgument, "the project name is empty");
  if (!isAsciiAlpha(name[0])) {
    return fail(ErrorCode::kInvalidArgument, "project name '", name,
                "' must start with a letter (a-z, A-Z)");
  }
  for (char c : name) {
    if (isAsciiAlpha(c) || isAsciiDigit(c) || c == '-' || c == '_') continue;
    return fail(ErrorCode::kInvalidArgument, "project name '", name, "' holds '", std::string(1, c),
                "': use letters, digits, '-' and '_' (use -o for the folder)");
  }
  if (kebabCase(name).empty()) {
    return fail(ErrorCode::kInvalidArgument, "project name '", name, "' has no letters or digits");
  }
  return {};
}

std::string kebabCase(std::string_view name) { return joined(name, "-"); }
std::string snakeCase(std::string_view name) { return joined(name, "_"); }

std::string pascalCase(std::string_view name) {
  std::string out;
  for (std::string w : words(name)) {
    w[0] = upper(w[0]);
    out += w;
  }
  return out;
}

Result<std::string> renderTemplateText(std::string_view text, std::string_view project_name) {
  std::string out;
  out.reserve(text.size());
  size_t pos = 0;
  while (pos < text.size()) {
    size_t open = text.find("{{", pos);
    if (open == std::string_view::npos) break;
    size_t close = text.find("}}", open + 2);
    if (close == std::string_view::npos) {
      return fail(ErrorCode::kInvalidArgument, "'{{' without '}}' at offset ",
                  std::to_string(open));
    }
    out.append(text.substr(pos, open - pos));
    auto value = expand(text.substr(open + 2, close - open - 2), project_name);
    if (!value) return fail(value.error());
    out += *value;
    pos = close + 2;
  }
  out.append(text.substr(std::min(pos, text.size())));
  return out;
}

Result<void> writeProject(const Template& t, std::string_view project_name,
                          const std::filesystem::path& dir) {
  TERN_TRY(checkProjectName(project_name));
  TERN_TRY(checkOutputDir(dir));
  std::vector<std::pair<std::filesystem::path, std::string>> files;
  for (const TemplateFile& f : t.files) {
    auto text = renderTemplateText(f.contents, project_name);
    if (!text) {
      return fail(ErrorCode::kInvalidArgument, "template ", t.id, ", ", f.path, ": ",
                  text.error().message);
    }
    files.emplace_back(dir / std::filesystem::path(f.path), std::move(*text));
  }
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return fail(ErrorCode::kIo, "cannot create ", dir.string(), ": ", ec.message());
  for (const auto& [path, text] : files) TERN_TRY(writeFile(path, text));
  return {};
}

}  // namespace tern::cmd
