// Project templates for `tern new` and `tern templates list`: embedded in the binary at build time
// (cmake/embed_templates.cmake turns templates/<id>/ into a generated .cc), rendered with Spin's
// `{{project-name}}` placeholders.
//
// A template is templates/<id>/metadata/spin-template.toml (`id`, `description`, as Spin's) and the
// files under templates/<id>/content/, copied into the new project with every placeholder
// replaced: `{{project-name}}` (NAME as given) and the filters `| kebab_case`, `| snake_case`,
// `| pascal_case` (Spin's Liquid filters), spaces inside the braces optional.
#pragma once

#include <filesystem>
#include <span>
#include <string>
#include <string_view>

#include "common/result.h"

namespace tern::cmd {

struct TemplateFile {
  std::string_view path;  // relative to the project folder, '/'-separated
  std::string_view contents;
};

struct Template {
  std::string_view id;
  std::string_view description;
  std::span<const TemplateFile> files;
};

// Every embedded template, sorted by id (defined in the generated templates_data.cc).
std::span<const Template> embeddedTemplates();

// The template with this id, or nullptr.
const Template* findTemplate(std::string_view id);

// "http-c, http-js, ...": the ids, for error messages.
std::string templateIds();

// A project name: an ASCII letter, then letters, digits, '-' or '_' (it names the folder and,
// kebab-cased, the component; the error says which character is wrong).
Result<void> checkProjectName(std::string_view name);

// The words of NAME (split at '-', '_' and lower-to-upper case changes) joined as each filter does:
// "HelloWorld" / "hello_world" / "hello-world" -> "hello-world", "hello_world", "HelloWorld".
std::string kebabCase(std::string_view name);
std::string snakeCase(std::string_view name);
std::string pascalCase(std::string_view name);

// TEXT with each `{{ project-name [| filter] }}` replaced. An unknown parameter or filter, or a
// `{{` without `}}`, is an error naming it (a template bug, caught by the tests).
Result<std::string> renderTemplateText(std::string_view text, std::string_view project_name);

// Writes the rendered files of T into DIR, creating it (and its parents). DIR must not exist, or
// be an empty folder: nothing is overwritten. Every file is rendered before any is written.
Result<void> writeProject(const Template& t, std::string_view project_name,
                          const std::filesystem::path& dir);

}  // namespace tern::cmd
