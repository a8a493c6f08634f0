// Recursive glob matching; patterns come from manifests and policies, so their length is small.
#include "common/glob.h"

namespace tern {

bool globMatch(std::string_view p, std::string_view s) {
  if (p.starts_with("**")) {
    std::string_view rest = p.substr(2);
    if (rest.starts_with('/')) {  // "**/" matches zero or more whole segments
      rest.remove_prefix(1);
      if (globMatch(rest, s)) return true;
      for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '/' && globMatch(rest, s.substr(i + 1))) return true;
      }
      return false;
    }
    for (size_t i = 0; i <= s.size(); ++i) {  // "**" elsewhere: any characters, '/' included
      if (globMatch(rest, s.substr(i))) return true;
    }
    return false;
  }
  if (p.empty()) return s.empty();
  if (p[0] == '*') {
    for (size_t i = 0; i <= s.size(); ++i) {
      if (globMatch(p.substr(1), s.substr(i))) return true;
      if (i < s.size() && s[i] == '/') break;
    }
    return false;
  }
  if (s.empty()) return false;
  if (p[0] == '?') return s[0] != '/' && globMatch(p.substr(1), s.substr(1));
  return p[0] == s[0] && globMatch(p.substr(1), s.substr(1));
}

}  // namespace tern
