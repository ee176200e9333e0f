// write_file_atomic: the whole text or nothing under the name, no temporary left behind.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "atomic_file.h"

namespace {

std::string read_all(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(AtomicFile, replaces_the_file_whole_and_leaves_no_temporary) {
  char dir[] = "/tmp/kb-atomic-XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  const std::string path = std::string(dir) + "/stats.json";
  std::string error;
  ASSERT_TRUE(kick::write_file_atomic(path, "{\"old\": 1}\n", &error)) << error;
  ASSERT_TRUE(kick::write_file_atomic(path, "{\"new\": 2}\n", &error)) << error;
  EXPECT_EQ(read_all(path), "{\"new\": 2}\n");
  EXPECT_NE(access((path + ".tmp." + std::to_string(getpid())).c_str(), F_OK), 0);
  std::remove(path.c_str());
  rmdir(dir);
}

TEST(AtomicFile, a_missing_directory_is_one_line_naming_the_file) {
  std::string error;
  EXPECT_FALSE(kick::write_file_atomic("/nonexistent-kb-dir/stats.json", "x", &error));
  EXPECT_NE(error.find("/nonexistent-kb-dir/stats.json"), std::string::npos) << error;
  EXPECT_EQ(error.find('\n'), std::string::npos);
}

}  // namespace
