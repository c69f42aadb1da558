#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

#include "docs/docs_assets.hpp"

namespace {

namespace fs = std::filesystem;

TEST(DocsAssetType, WhitelistedNamesHaveTheirType) {
  EXPECT_EQ(docs::asset_content_type("swagger-ui.css"), "text/css; charset=utf-8");
  EXPECT_EQ(docs::asset_content_type("swagger-ui-bundle.js"), "text/javascript; charset=utf-8");
  EXPECT_EQ(docs::asset_content_type("swagger-ui-standalone-preset.js"),
            "text/javascript; charset=utf-8");
  EXPECT_EQ(docs::asset_content_type("docs-init.js"), "text/javascript; charset=utf-8");
  EXPECT_EQ(docs::asset_content_type("favicon-32x32.png"), "image/png");
  EXPECT_EQ(docs::asset_content_type("favicon-16x16.png"), "image/png");
}

TEST(DocsAssetType, EverythingElseIsRejected) {
  for (std::string_view name :
       {"", ".", "..", "../swagger-ui.css", "swagger-ui.css/..", "/etc/passwd", "a/b",
        "..%2Fpackage.json", "package.json", "index.html", "swagger-ui.js.map", "SWAGGER-UI.CSS",
        "swagger-ui.css ", " swagger-ui.css"}) {
    EXPECT_FALSE(docs::asset_content_type(name)) << "'" << name << "'";
  }
  EXPECT_FALSE(docs::asset_content_type(std::string_view("swagger-ui.css\0", 15)));
}

TEST(DocsAssetType, EveryListedNameIsPlainAndUnique) {
  int ours = 0;
  for (const auto& type : docs::asset_types()) {
    EXPECT_EQ(type.name.find('/'), std::string_view::npos) << type.name;
    EXPECT_FALSE(type.name.starts_with('.')) << type.name;
    EXPECT_EQ(docs::asset_content_type(type.name), type.content_type);
    if (!type.from_package) ++ours;
  }
  EXPECT_EQ(ours, 1);  // docs-init.js only
}

TEST(DocsPage, LoadsOnlyLocalFiles) {
  const std::string_view page = docs::page_html();
  EXPECT_NE(page.find("/docs/assets/swagger-ui-bundle.js"), std::string_view::npos);
  EXPECT_NE(page.find("/docs/assets/swagger-ui.css"), std::string_view::npos);
  EXPECT_NE(page.find("/docs/assets/docs-init.js"), std::string_view::npos);
  EXPECT_EQ(page.find("http://"), std::string_view::npos);
  EXPECT_EQ(page.find("https://"), std::string_view::npos);
  EXPECT_EQ(page.find("<script>"), std::string_view::npos);  // no inline script
  // Every /docs/assets/ file the page names is whitelisted.
  std::size_t at = 0;
  while ((at = page.find("/docs/assets/", at)) != std::string_view::npos) {
    at += std::string_view("/docs/assets/").size();
    auto name = page.substr(at, page.find('"', at) - at);
    EXPECT_TRUE(docs::asset_content_type(name)) << name;
  }
}

TEST(DocsPage, InitializerUsesOurDescriptionAndNoOnlineValidator) {
  const std::string_view js = docs::initializer_js();
  EXPECT_NE(js.find("url: \"/api/openapi.yaml\""), std::string_view::npos);
  EXPECT_NE(js.find("validatorUrl: null"), std::string_view::npos);
  EXPECT_EQ(js.find("http"), std::string_view::npos);
}

TEST(DocsEtag, QuotedStableAndContentDependent) {
  const auto a = docs::etag_of("abc");
  EXPECT_EQ(a, docs::etag_of("abc"));
  EXPECT_NE(a, docs::etag_of("abd"));
  EXPECT_EQ(a.size(), 18u);
  EXPECT_EQ(a.front(), '"');
  EXPECT_EQ(a.back(), '"');
  EXPECT_EQ(docs::etag_of(""), "\"cbf29ce484222325\"");  // FNV-1a offset basis
}

TEST(DocsEtag, IfNoneMatchForms) {
  const std::string tag = "\"0123456789abcdef\"";
  EXPECT_TRUE(docs::etag_matches(tag, tag));
  EXPECT_TRUE(docs::etag_matches("W/" + tag, tag));
  EXPECT_TRUE(docs::etag_matches("\"x\", " + tag, tag));
  EXPECT_TRUE(docs::etag_matches(" " + tag + " ,\"y\"", tag));
  EXPECT_TRUE(docs::etag_matches("*", tag));
  EXPECT_FALSE(docs::etag_matches("", tag));
  EXPECT_FALSE(docs::etag_matches("\"x\"", tag));
  EXPECT_FALSE(docs::etag_matches("0123456789abcdef", tag));  // unquoted
  EXPECT_FALSE(docs::etag_matches(",", tag));
}

class DocsFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ =
        fs::temp_directory_path() /
        ("docs_assets_test_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
         "_" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "ui");
  }
  void TearDown() override { fs::remove_all(dir_); }

  void write(const fs::path& path, std::string_view body) {
    std::ofstream(path, std::ios::binary) << body;
  }
  void write_package() {
    for (const auto& type : docs::asset_types()) {
      if (type.from_package) write(dir_ / "ui" / type.name, std::string("body of ") += type.name);
    }
  }

  fs::path dir_;
};

TEST_F(DocsFilesTest, ReadsEverythingOnce) {
  write(dir_ / "openapi.yaml", "openapi: 3.1.0\n");
  write_package();
  auto files = docs::load_docs_files((dir_ / "openapi.yaml").string(), (dir_ / "ui").string());
  ASSERT_TRUE(files.openapi);
  EXPECT_EQ(files.openapi->body, "openapi: 3.1.0\n");
  EXPECT_EQ(files.openapi->content_type, "application/yaml");
  EXPECT_EQ(files.openapi->etag, docs::etag_of("openapi: 3.1.0\n"));
  EXPECT_TRUE(files.openapi_problem.empty());
  EXPECT_TRUE(files.assets_problem.empty());
  ASSERT_EQ(files.assets.size(), docs::asset_types().size());
  EXPECT_EQ(files.assets.at("swagger-ui.css").body, "body of swagger-ui.css");
  EXPECT_EQ(files.assets.at("swagger-ui.css").content_type, "text/css; charset=utf-8");
  EXPECT_EQ(files.assets.at("docs-init.js").body, docs::initializer_js());
}

TEST_F(DocsFilesTest, MissingPackageIsReportedNotThrown) {
  write(dir_ / "openapi.yaml", "openapi: 3.1.0\n");
  auto files = docs::load_docs_files((dir_ / "openapi.yaml").string(), (dir_ / "nope").string());
  EXPECT_TRUE(files.openapi);
  EXPECT_TRUE(files.assets.empty());
  EXPECT_NE(files.assets_problem.find("npm ci --prefix web"), std::string::npos)
      << files.assets_problem;
  EXPECT_NE(files.assets_problem.find("SWAGGER_UI_DIR"), std::string::npos);
}

TEST_F(DocsFilesTest, OneMissingFileMeansNoAssets) {
  write_package();
  fs::remove(dir_ / "ui" / "swagger-ui-bundle.js");
  auto files = docs::load_docs_files((dir_ / "openapi.yaml").string(), (dir_ / "ui").string());
  EXPECT_TRUE(files.assets.empty());
  EXPECT_NE(files.assets_problem.find("swagger-ui-bundle.js"), std::string::npos);
}

TEST_F(DocsFilesTest, MissingOrDirectoryOpenapiIsReported) {
  write_package();
  auto missing = docs::load_docs_files((dir_ / "none.yaml").string(), (dir_ / "ui").string());
  EXPECT_FALSE(missing.openapi);
  EXPECT_NE(missing.openapi_problem.find("none.yaml"), std::string::npos);
  EXPECT_FALSE(missing.assets.empty());
  auto directory = docs::load_docs_files(dir_.string(), (dir_ / "ui").string());
  EXPECT_FALSE(directory.openapi);
}

TEST(DocsFiles, TheRepositoryDescriptionIsReadable) {
  auto files = docs::load_docs_files(ECOMMERCE_SOURCE_DIR "/api/openapi.yaml", "/nonexistent");
  ASSERT_TRUE(files.openapi) << files.openapi_problem;
  EXPECT_TRUE(files.openapi->body.starts_with("openapi: 3.1.0\n"));
}

}  // namespace
