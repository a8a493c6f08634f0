// `tern registry push|pull|login`, `tern sign`, `tern verify`, `tern policy check`, and the
// registry half of `tern up --from REF` (Spin's `spin registry ...` and `spin up --from`).
//
//   RegistryCommands cmds;          // must outlive app.parse(): CLI11 binds to its fields
//   addRegistryCommands(app, cmds);
//   app.parse(argc, argv);
//   if (auto rc = runRegistryCommands(cmds)) return *rc;
#pragma once

#include <CLI/CLI.hpp>
#include <optional>
#include <string>
#include <vector>

#include "manifest/manifest.h"
#include "sign/policy.h"

namespace tern::cmd {

struct RegistryOptions {
  std::string reference;
  std::string file;  // push: -f spin.toml or its folder
  std::string output;
  bool insecure = false;
  std::string cache_dir;
  std::string key;     // sign: private key; verify: public key
  std::string policy;  // policy check
  std::string username;
  std::string password;
  bool password_stdin = false;
};

struct RegistryCommands {
  CLI::App* push = nullptr;
  CLI::App* pull = nullptr;
  CLI::App* login = nullptr;
  CLI::App* sign = nullptr;
  CLI::App* verify = nullptr;
  CLI::App* policy_check = nullptr;
  RegistryOptions o;
};

void addRegistryCommands(CLI::App& app, RegistryCommands& cmds);
std::optional<int> runRegistryCommands(const RegistryCommands& cmds);

// For `tern up --from REF`: the trust decision (keys, policy), then the pull into the cache.
struct RegistryApp {
  std::string manifest_path;
  sign::PolicyLimits limits;
};
struct RegistryRunOptions {
  std::string reference;
  std::vector<std::string> verify_keys;
  std::string policy;
  bool insecure = false;
  std::string cache_dir;
};
// Prints one error line and returns nullopt when the app is refused or cannot be pulled.
std::optional<RegistryApp> pullForRun(const RegistryRunOptions& o);

// Caps every component's memory and timeout at a policy rule's limits.
void applyPolicyLimits(const sign::PolicyLimits& limits, manifest::Manifest& m);

}  // namespace tern::cmd
