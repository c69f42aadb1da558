#include "platform/os/read_file.hpp"

#include <fstream>

#include <gtest/gtest.h>

namespace {

std::filesystem::path scratch(const char* name) {
  return std::filesystem::temp_directory_path() / ("read_file_test_" + std::string(name));
}

TEST(ReadFile, ReadsTheWholeFileByteForByte) {
  const auto path = scratch("bytes");
  const std::string content("line\r\n\0binary\xff", 14);
  {
    std::ofstream out(path, std::ios::binary);
    out << content;
  }
  EXPECT_EQ(os::read_file(path), content);
  std::filesystem::remove(path);
}

TEST(ReadFile, AnEmptyFileIsAnEmptyString) {
  const auto path = scratch("empty");
  { std::ofstream out(path); }
  EXPECT_EQ(os::read_file(path), std::string());
  std::filesystem::remove(path);
}

TEST(ReadFile, MissingFilesAndDirectoriesAreNothing) {
  EXPECT_FALSE(os::read_file(scratch("missing-for-sure")));
  EXPECT_FALSE(os::read_file(std::filesystem::temp_directory_path()));
}

}  // namespace
