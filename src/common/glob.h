// Glob matching on '/'-separated text (file paths, image references).
#pragma once

#include <string_view>

namespace tern {

// `*` and `?` stay within a segment, `**` spans segments ("a/**" matches everything under a,
// "**/*.png" every png).
bool globMatch(std::string_view pattern, std::string_view path);

}  // namespace tern
