// Tests for the embedded project templates: names, case filters, rendering, writing a project.
#include "cmd/templates.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <set>
#include <sstream>

namespace tern::cmd {
namespace {

TEST(Templates, EmbeddedSortedWithFiles) {
  auto all = embeddedTemplates();
  ASSERT_GE(all.size(), 2u);
  for (size_t i = 0; i < all.size(); ++i) {
    if (i) {
      EXPECT_LT(all[i - 1].id, all[i].id);
    }
    EXPECT_FALSE(all[i].description.empty()) << all[i].id;
    std::set<std::string_view> paths;
    for (const TemplateFile& f : all[i].files) paths.insert(f.path);
    EXPECT_TRUE(paths.contains("spin.toml")) << all[i].id;
    EXPECT_TRUE(paths.contains("README.md")) << all[i].id;
  }
  ASSERT_NE(findTemplate("http-c"), nullptr);
  ASSERT_NE(findTemplate("http-js"), nullptr);
  EXPECT_EQ(findTemplate("http-cobol"), nullptr);
  EXPECT_NE(templateIds().find("http-c, "), std::string::npos);
}

TEST(Templates, CaseFilters) {
  EXPECT_EQ(kebabCase("hello"), "hello");
  EXPECT_EQ(kebabCase("HelloWorld"), "hello-world");
  EXPECT_EQ(kebabCase("hello_big-world"), "hello-big-world");
  EXPECT_EQ(snakeCase("my-app2"), "my_app2");
  EXPECT_EQ(snakeCase("MyApp"), "my_app");
  EXPECT_EQ(pascalCase("my-app"), "MyApp");
  EXPECT_EQ(kebabCase("HTTPServer"), "http-server");
  EXPECT_EQ(snakeCase("ABC"), "abc");
  EXPECT_EQ(pascalCase("myHTTPApp"), "MyHttpApp");
  EXPECT_EQ(kebabCase("a--b__c"), "a-b-c");
}

TEST(Templates, ProjectNames) {
  EXPECT_TRUE(checkProjectName("hello"));
  EXPECT_TRUE(checkProjectName("Hello_World-2"));
  for (const char* bad : {"", "2fast", "-x", "a/b", "a b", "..", "h\xc3\xa9", "a.b"}) {
    auto r = checkProjectName(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_NE(r.error().message.find("project name"), std::string::npos) << r.error().message;
  }
  EXPECT_NE(checkProjectName("a/b").error().message.find("'/'"), std::string::npos);
}

TEST(Templates, Render) {
  auto r = renderTemplateText(
      "[{{project-name}}] {{ project-name | kebab_case }} "
      "{{project-name|snake_case}} {{project-name | pascal_case}} {",
      "MyApp");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(*r, "[MyApp] my-app my_app MyApp {");
  EXPECT_EQ(*renderTemplateText("no placeholders", "x"), "no placeholders");
  EXPECT_EQ(*renderTemplateText("", "x"), "");

  auto unknown = renderTemplateText("{{authors}}", "x");
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.error().message.find("'authors'"), std::string::npos);
  auto filter = renderTemplateText("{{project-name | upcase}}", "x");
  ASSERT_FALSE(filter);
  EXPECT_NE(filter.error().message.find("'upcase'"), std::string::npos);
  EXPECT_FALSE(renderTemplateText("a {{project-name", "x"));
}

// Every embedded file renders, and no placeholder survives.
TEST(Templates, AllEmbeddedFilesRender) {
  for (const Template& t : embeddedTemplates()) {
    for (const TemplateFile& f : t.files) {
      auto r = renderTemplateText(f.contents, "Hello_App");
      ASSERT_TRUE(r) << t.id << "/" << f.path << ": " << r.error().message;
      EXPECT_EQ(r->find("{{"), std::string::npos) << t.id << "/" << f.path;
    }
  }
}

class WriteProject : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/tern-templates-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    root_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(root_); }
  static std::string read(const std::filesystem::path& p) {
    std::ifstream in(p);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  std::filesystem::path root_;
};

TEST_F(WriteProject, WritesRenderedFiles) {
  const Template* t = findTemplate("http-js");
  ASSERT_NE(t, nullptr);
  auto dir = root_ / "nested" / "my-app";
  auto r = writeProject(*t, "MyApp", dir);
  ASSERT_TRUE(r) << r.error().message;
  for (const TemplateFile& f : t->files) {
    EXPECT_EQ(read(dir / f.path), *renderTemplateText(f.contents, "MyApp")) << f.path;
  }
  EXPECT_NE(read(dir / "spin.toml").find("[component.my-app]"), std::string::npos);
  EXPECT_TRUE(std::filesystem::is_regular_file(dir / "src" / "index.js"));
}

TEST_F(WriteProject, EmptyFolderIsUsed) {
  std::filesystem::create_directory(root_ / "empty");
  ASSERT_TRUE(writeProject(*findTemplate("http-c"), "hello", root_ / "empty"));
  EXPECT_TRUE(std::filesystem::is_regular_file(root_ / "empty" / "spin.toml"));
}

TEST_F(WriteProject, RefusesNonEmptyFolderAndFiles) {
  std::filesystem::create_directory(root_ / "busy");
  std::ofstream(root_ / "busy" / "mine.txt") << "keep me";
  auto r = writeProject(*findTemplate("http-c"), "hello", root_ / "busy");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("not empty"), std::string::npos) << r.error().message;
  EXPECT_FALSE(std::filesystem::exists(root_ / "busy" / "spin.toml"));
  EXPECT_EQ(read(root_ / "busy" / "mine.txt"), "keep me");

  std::ofstream(root_ / "file") << "x";
  r = writeProject(*findTemplate("http-c"), "hello", root_ / "file");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("not a folder"), std::string::npos) << r.error().message;
  EXPECT_FALSE(writeProject(*findTemplate("http-c"), "bad name", root_ / "x"));
  EXPECT_FALSE(std::filesystem::exists(root_ / "x"));
}

}  // namespace
}  // namespace tern::cmd
