// `tern doctor [TEMPLATE...] [-f spin.toml|DIR]`: are the toolchains the `tern new` templates
// build with installed (each missing part named with the Debian package that provides it), and,
// in an app folder, does its manifest load and does every component's .wasm exist yet.
//
//   DoctorCommand cmd;  addDoctorCommand(app, cmd);  app.parse(...);
//   if (auto rc = runDoctorCommand(cmd)) return *rc;   // 0: all fine; 1: something is missing
#pragma once

#include <CLI/CLI.hpp>
#include <optional>
#include <string>
#include <vector>

namespace tern::cmd {

struct DoctorCommand {
  CLI::App* doctor = nullptr;
  std::vector<std::string> templates;  // empty: every template
  std::string file;                    // -f: the app to check; default ./spin.toml if present
};

void addDoctorCommand(CLI::App& app, DoctorCommand& cmd);
std::optional<int> runDoctorCommand(const DoctorCommand& cmd);

}  // namespace tern::cmd
