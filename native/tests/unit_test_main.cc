// Runs every KB_TEST; prints one line per test and a closing "N passed, N failed".
// An optional argument filters tests by substring.
#include <cstring>

#include "unit_test.h"

namespace kbtest {
std::vector<Case>& registry() {
  static std::vector<Case> cases;
  return cases;
}
int current_failures = 0;
}  // namespace kbtest

int main(int argc, char** argv) {
  int passed = 0, failed = 0;
  for (auto& c : kbtest::registry()) {
    if (argc > 1 && !std::strstr(c.name, argv[1])) continue;
    kbtest::current_failures = 0;
    c.fn();
    if (kbtest::current_failures == 0) {
      passed++;
      std::printf("ok %s\n", c.name);
    } else {
      failed++;
      std::printf("FAIL %s\n", c.name);
    }
  }
  std::printf("native: %d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
