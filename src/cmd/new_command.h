// `tern new [TEMPLATE] NAME [-o DIR]` and `tern templates list`, as `spin new` and
// `spin templates list`, from the templates embedded in the binary (cmd/templates.h).
//
//   NewCommands cmds;               // must outlive app.parse(): CLI11 binds to its fields
//   addNewCommands(app, cmds);
//   app.parse(argc, argv);
//   if (auto rc = runNewCommands(cmds)) return *rc;
#pragma once

#include <CLI/CLI.hpp>
#include <optional>
#include <string>
#include <vector>

namespace tern::cmd {

struct NewCommands {
  CLI::App* new_cmd = nullptr;
  CLI::App* templates = nullptr;
  CLI::App* templates_list = nullptr;
  std::vector<std::string> positional;  // [TEMPLATE] NAME
  std::string output;                   // -o: the project folder; default ./NAME
  bool accept_defaults = false;         // -a: accepted for Spin's scripts; tern never prompts
};

void addNewCommands(CLI::App& app, NewCommands& cmds);

// Runs `new` or `templates list` when one of them was parsed and returns the exit code (0, or 1
// with the error on stderr); nullopt otherwise.
std::optional<int> runNewCommands(const NewCommands& cmds);

}  // namespace tern::cmd
