// libcurl loaded on first use (dlopen), so that tern processes that never send an outbound request
// (every `tern run`, most `tern up` apps) do not pay for loading libcurl and its ~30 libraries.
#pragma once

#include <curl/curl.h>

#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace tern::host {

// The libcurl functions outbound_http.cc uses; types from <curl/curl.h>, no link dependency.
struct CurlApi {
  decltype(&curl_global_init) global_init;
  decltype(&curl_easy_init) easy_init;
  decltype(&curl_easy_setopt) easy_setopt;
  decltype(&curl_easy_perform) easy_perform;
  decltype(&curl_easy_getinfo) easy_getinfo;
  decltype(&curl_easy_cleanup) easy_cleanup;
  decltype(&curl_easy_strerror) easy_strerror;
  decltype(&curl_slist_append) slist_append;
  decltype(&curl_slist_free_all) slist_free_all;
  decltype(&curl_url) url;
  decltype(&curl_url_set) url_set;
  decltype(&curl_url_get) url_get;
  decltype(&curl_url_cleanup) url_cleanup;
  decltype(&curl_free) free;
};

// One header line as libcurl's CURLOPT_HEADERFUNCTION hands it over: the name lowercased and the
// value without surrounding whitespace; nullopt for a status line, the blank line or a fold.
std::optional<std::pair<std::string, std::string>> splitHeaderLine(std::string_view line);

// The loaded API (libcurl.so.4, globally initialised once), or null when it cannot be loaded
// (`error`, if given, says why). Thread-safe; the library stays loaded for the process.
const CurlApi* curlApi(const char** error = nullptr);

}  // namespace tern::host
