// dlopen of libcurl.so.4 and lookup of the functions Tern uses, once per process.
#include "host/curl_api.h"

#include <dlfcn.h>

#include <cctype>
#include <mutex>

namespace tern::host {
namespace {

template <class F>
bool bind(void* lib, const char* name, F& out) {
  out = reinterpret_cast<F>(dlsym(lib, name));
  return out != nullptr;
}

struct Loaded {
  CurlApi api{};
  const char* error = nullptr;
  bool ok = false;
};

Loaded load() {
  Loaded l;
  void* lib = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
  if (!lib) {
    l.error = "cannot load libcurl.so.4 (install libcurl4)";
    return l;
  }
  CurlApi& a = l.api;
  bool ok = bind(lib, "curl_global_init", a.global_init) &&
            bind(lib, "curl_easy_init", a.easy_init) &&
            bind(lib, "curl_easy_setopt", a.easy_setopt) &&
            bind(lib, "curl_easy_perform", a.easy_perform) &&
            bind(lib, "curl_easy_getinfo", a.easy_getinfo) &&
            bind(lib, "curl_easy_cleanup", a.easy_cleanup) &&
            bind(lib, "curl_easy_strerror", a.easy_strerror) &&
            bind(lib, "curl_slist_append", a.slist_append) &&
            bind(lib, "curl_slist_free_all", a.slist_free_all) && bind(lib, "curl_url", a.url) &&
            bind(lib, "curl_url_set", a.url_set) && bind(lib, "curl_url_get", a.url_get) &&
            bind(lib, "curl_url_cleanup", a.url_cleanup) && bind(lib, "curl_free", a.free);
  if (!ok) {
    l.error = "libcurl.so.4 lacks a needed function (libcurl 7.78 or later is needed)";
    return l;
  }
  if (a.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
    l.error = "curl_global_init failed";
    return l;
  }
  l.ok = true;
  return l;
}

}  // namespace

const CurlApi* curlApi(const char** error) {
  static const Loaded loaded = load();  // thread-safe once (C++11 statics)
  if (!loaded.ok && error) *error = loaded.error;
  return loaded.ok ? &loaded.api : nullptr;
}

std::optional<std::pair<std::string, std::string>> splitHeaderLine(std::string_view line) {
  size_t colon = line.find(':');
  if (colon == std::string_view::npos || line.starts_with("HTTP/")) return std::nullopt;
  std::string name(line.substr(0, colon));
  for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::string_view value = line.substr(colon + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' ')) {
    value.remove_suffix(1);
  }
  return std::pair{std::move(name), std::string(value)};
}

}  // namespace tern::host
