// Registry credentials, stored by `tern registry login` in docker's config.json format.
//
// The file is $TERN_CONFIG_DIR/auth.json, else $XDG_CONFIG_HOME/tern/auth.json, else
// ~/.config/tern/auth.json: `{"auths": {"HOST[:PORT]": {"auth": base64("user:password")}}}`,
// written with mode 0600. Docker's own ~/.docker/config.json is read as a fallback (plain `auth`
// entries only; credential helpers are not run).
#pragma once

#include <optional>
#include <string>

#include "common/result.h"

namespace tern::oci {

struct Credentials {
  std::string username;
  std::string password;
};

std::string credentialsPath();

// The stored credentials for `registry`, or nullopt.
std::optional<Credentials> findCredentials(const std::string& registry);

// Adds or replaces the entry for `registry`. Errors: kIo.
Result<void> storeCredentials(const std::string& registry, const Credentials& c);

}  // namespace tern::oci
