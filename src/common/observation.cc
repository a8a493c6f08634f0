// Interface names of host calls, interned to small ids once per call site.
#include "common/observation.h"

#include <mutex>

namespace tern::obs {
namespace {

struct InterfaceTable {
  std::mutex mutex;
  std::vector<std::string> names;
};

InterfaceTable& interfaceTable() {
  static InterfaceTable table;
  return table;
}

}  // namespace

uint32_t interfaceId(std::string_view name) {
  auto& t = interfaceTable();
  std::lock_guard lock(t.mutex);
  for (uint32_t i = 0; i < t.names.size(); ++i) {
    if (t.names[i] == name) return i;
  }
  if (t.names.size() + 1 >= kMaxHostInterfaces) {
    if (t.names.size() + 1 == kMaxHostInterfaces) t.names.emplace_back("other");
    return kMaxHostInterfaces - 1;
  }
  t.names.emplace_back(name);
  return static_cast<uint32_t>(t.names.size() - 1);
}

std::vector<std::string> interfaceNames() {
  auto& t = interfaceTable();
  std::lock_guard lock(t.mutex);
  return t.names;
}

}  // namespace tern::obs
