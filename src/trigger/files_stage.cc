// Staging of component `files` (glob patterns and placements) into a read-only guest root.
#include "trigger/files_stage.h"

#include <filesystem>
#include <system_error>

#include "common/glob.h"

namespace tern::trigger {
namespace {

namespace fs = std::filesystem;

bool isExcluded(const manifest::Component& c, std::string_view rel) {
  for (const auto& ex : c.exclude_files) {
    if (globMatch(ex, rel)) return true;
  }
  return false;
}

Result<void> placeFile(const fs::path& from, const fs::path& to) {
  std::error_code ec;
  fs::create_directories(to.parent_path(), ec);
  fs::remove(to, ec);
  fs::create_hard_link(from, to, ec);
  if (!ec) return {};
  fs::copy_file(from, to, fs::copy_options::overwrite_existing, ec);
  if (ec) return fail(ErrorCode::kIo, "cannot stage ", from.string(), ": ", ec.message());
  return {};
}

// The longest leading part of a pattern without wildcards, as a folder to start walking from.
std::string literalPrefix(std::string_view pattern) {
  size_t wild = pattern.find_first_of("*?[");
  if (wild == std::string_view::npos) return std::string(pattern);
  size_t slash = pattern.rfind('/', wild);
  return slash == std::string_view::npos ? "" : std::string(pattern.substr(0, slash));
}

Result<void> stagePattern(const manifest::Component& c, const manifest::FilesMount& m,
                          const fs::path& app, const fs::path& stage) {
  std::error_code ec;
  fs::path start = app / literalPrefix(m.pattern);
  if (fs::is_regular_file(start, ec)) {
    std::string rel = fs::relative(start, app, ec).generic_string();
    if (isExcluded(c, rel)) return {};
    return placeFile(start, stage / rel);
  }
  if (!fs::is_directory(start, ec)) return {};  // nothing matches: not an error, as in Spin
  bool literal_dir = m.pattern.find_first_of("*?[") == std::string::npos;
  for (auto it = fs::recursive_directory_iterator(start, ec); !ec && it != fs::end(it);
       it.increment(ec)) {
    if (!it->is_regular_file(ec)) continue;
    std::string rel = fs::relative(it->path(), app, ec).generic_string();
    if (!literal_dir && !globMatch(m.pattern, rel)) continue;
    if (isExcluded(c, rel)) continue;
    TERN_TRY(placeFile(it->path(), stage / rel));
  }
  return {};
}

Result<void> stagePlacement(const manifest::Component& c, const manifest::FilesMount& m,
                            const fs::path& app, const fs::path& stage) {
  std::error_code ec;
  fs::path src = m.source;
  fs::path dest = stage / fs::path(m.destination).relative_path();
  if (fs::is_regular_file(src, ec)) return placeFile(src, dest);
  if (!fs::is_directory(src, ec)) {
    return fail(ErrorCode::kAppLoad, "component ", c.id, ": files source ", m.source,
                " does not exist");
  }
  for (auto it = fs::recursive_directory_iterator(src, ec); !ec && it != fs::end(it);
       it.increment(ec)) {
    if (!it->is_regular_file(ec)) continue;
    std::string rel_app = fs::relative(it->path(), app, ec).generic_string();
    if (isExcluded(c, rel_app)) continue;
    TERN_TRY(placeFile(it->path(), dest / fs::relative(it->path(), src, ec)));
  }
  return {};
}

}  // namespace

Result<void> stageFiles(const manifest::Component& component, const std::string& app_dir,
                        const std::string& stage_dir) {
  std::error_code ec;
  fs::create_directories(stage_dir, ec);
  if (ec) return fail(ErrorCode::kIo, "cannot create ", stage_dir, ": ", ec.message());
  for (const auto& m : component.files) {
    if (m.kind == manifest::FilesMount::Kind::kPattern) {
      TERN_TRY(stagePattern(component, m, app_dir, stage_dir));
    } else {
      TERN_TRY(stagePlacement(component, m, app_dir, stage_dir));
    }
  }
  return {};
}

}  // namespace tern::trigger
