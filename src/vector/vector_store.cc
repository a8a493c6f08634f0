// VectorStore: one app's named indexes, each in its own folder under the app's state directory.
#include <algorithm>

#include "vector/limits.h"
#include "vector/vector_index.h"

namespace tern::vector {

namespace {

bool validName(const std::string& name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-')) return false;
  }
  return true;
}

Result<void> checkName(const std::string& name) {
  if (!validName(name)) {
    return fail(ErrorCode::kInvalidArgument, "vector index name '", name,
                "': 1-64 of a-z, 0-9, _ and -");
  }
  return {};
}

}  // namespace

Result<std::unique_ptr<VectorStore>> VectorStore::open(const std::filesystem::path& root) {
  std::error_code ec;
  std::filesystem::create_directories(root, ec);
  if (ec) return fail(ErrorCode::kIo, "create ", root.string(), ": ", ec.message());
  return std::unique_ptr<VectorStore>(new VectorStore(root));
}

Result<std::shared_ptr<VectorIndex>> VectorStore::createIndex(const std::string& name,
                                                         const IndexOptions& options) {
  TERN_TRY(checkName(name));
  std::lock_guard lock(mutex_);
  auto it = open_.find(name);
  if (it != open_.end()) {
    const auto& o = it->second->options();
    if (o.dimensions != options.dimensions || o.metric != options.metric || o.kind != options.kind) {
      return fail(ErrorCode::kInvalidArgument, "vector index '", name, "' exists with other options");
    }
    return it->second;
  }
  if (list().size() >= limits::kMaxIndexesPerApp) {
    return fail(ErrorCode::kResourceExhausted, "too many vector indexes for this app");
  }
  auto index = VectorIndex::open(root_ / name, options);
  if (!index) return fail(index.error());
  return open_[name] = *index;
}

Result<std::shared_ptr<VectorIndex>> VectorStore::openIndex(const std::string& name) {
  TERN_TRY(checkName(name));
  std::lock_guard lock(mutex_);
  auto it = open_.find(name);
  if (it != open_.end()) return it->second;
  auto index = VectorIndex::open(root_ / name);
  if (!index) return fail(index.error());
  return open_[name] = *index;
}

Result<void> VectorStore::dropIndex(const std::string& name) {
  TERN_TRY(checkName(name));
  std::lock_guard lock(mutex_);
  open_.erase(name);  // handles still held keep working on their (now unlinked) files
  std::error_code ec;
  if (!std::filesystem::exists(root_ / name / "options.json", ec)) {
    return fail(ErrorCode::kInvalidArgument, "no vector index '", name, "'");
  }
  std::filesystem::remove_all(root_ / name, ec);
  if (ec) return fail(ErrorCode::kIo, "remove ", (root_ / name).string(), ": ", ec.message());
  return {};
}

std::vector<std::string> VectorStore::list() const {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(root_, ec)) {
    auto n = e.path().filename().string();
    if (validName(n) && std::filesystem::exists(e.path() / "options.json", ec)) out.push_back(n);
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace tern::vector
