// `tern new` and `tern templates list`: write a project from an embedded template, list them.
#include "cmd/new_command.h"

#include <algorithm>
#include <cstdio>

#include "cmd/templates.h"

namespace tern::cmd {
namespace {

int fails(const std::string& message) {
  std::fprintf(stderr, "error: %s\n", message.c_str());
  return 1;
}

// Spin's table: the id and the description of each template.
int listTemplates() {
  size_t width = 4;
  for (const Template& t : embeddedTemplates()) width = std::max(width, t.id.size());
  std::printf("%-*s  %s\n", static_cast<int>(width), "Name", "Description");
  for (const Template& t : embeddedTemplates()) {
    std::printf("%-*.*s  %.*s\n", static_cast<int>(width), static_cast<int>(t.id.size()),
                t.id.data(), static_cast<int>(t.description.size()), t.description.data());
  }
  return 0;
}

int newProject(const NewCommands& cmds) {
  const auto& args = cmds.positional;
  if (args.size() != 2) {
    // `spin new NAME` asks for the template; tern does not prompt.
    return fails(std::string(args.size() < 2 ? "tern new needs a TEMPLATE and a NAME"
                                             : "tern new takes TEMPLATE NAME, got more") +
                 " (tern new TEMPLATE NAME [-o DIR]; templates: " + templateIds() + ")");
  }
  const Template* t = findTemplate(args[0]);
  if (!t) {
    return fails("unknown template '" + args[0] + "'; the templates are: " + templateIds() +
                 " (tern templates list)");
  }
  const std::string& name = args[1];
  if (auto ok = checkProjectName(name); !ok) return fails(ok.error().message);
  std::string dir = cmds.output.empty() ? name : cmds.output;
  if (auto ok = writeProject(*t, name, dir); !ok) return fails(ok.error().message);
  std::printf(
      "Created %s from template %.*s. Build and serve it with:\n  cd %s && tern up --build\n",
      dir.c_str(), static_cast<int>(t->id.size()), t->id.data(), dir.c_str());
  return 0;
}

}  // namespace

void addNewCommands(CLI::App& app, NewCommands& cmds) {
  cmds.new_cmd =
      app.add_subcommand("new", "create a project from a template (tern templates list)");
  cmds.new_cmd->add_option("args", cmds.positional, "TEMPLATE NAME");
  cmds.new_cmd->add_option("-o,--output", cmds.output,
                           "the folder to create (must not exist or be empty); default ./NAME");
  cmds.new_cmd->add_flag("-a,--accept-defaults", cmds.accept_defaults,
                         "accepted for spin new's scripts: tern never prompts");
  cmds.new_cmd->footer("Example: tern new http-c hello && cd hello && tern up --build");
  cmds.templates = app.add_subcommand("templates", "the project templates built into tern");
  cmds.templates->require_subcommand(1);
  cmds.templates_list =
      cmds.templates->add_subcommand("list", "print each template's id and description");
}

std::optional<int> runNewCommands(const NewCommands& cmds) {
  if (cmds.templates_list && cmds.templates_list->parsed()) return listTemplates();
  if (cmds.new_cmd && cmds.new_cmd->parsed()) return newProject(cmds);
  return std::nullopt;
}

}  // namespace tern::cmd
