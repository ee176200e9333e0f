// A deliberately tiny test registry for the native unit tests (no framework
// dependency): KB_TEST(name) { KB_EXPECT(cond); } and native_unit_tests runs them.
#pragma once
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

namespace kbtest {
struct Case { const char* name; std::function<void()> fn; };
std::vector<Case>& registry();
extern int current_failures;
struct Register {
  Register(const char* name, std::function<void()> fn) { registry().push_back({name, std::move(fn)}); }
};
}  // namespace kbtest

#define KB_CAT2(a, b) a##b
#define KB_CAT(a, b) KB_CAT2(a, b)
#define KB_TEST(name)                                                        \
  static void name();                                                        \
  static kbtest::Register KB_CAT(kb_reg_, name)(#name, name);                \
  static void name()
#define KB_EXPECT(cond)                                                      \
  do {                                                                       \
    if (!(cond)) {                                                           \
      std::fprintf(stderr, "  %s:%d: expected %s\n", __FILE__, __LINE__, #cond); \
      kbtest::current_failures++;                                            \
    }                                                                        \
  } while (0)
#define KB_EXPECT_EQ(a, b)                                                   \
  do {                                                                       \
    auto kb_a_ = (a); auto kb_b_ = (b);                                      \
    if (!(kb_a_ == kb_b_)) {                                                 \
      std::fprintf(stderr, "  %s:%d: expected %s == %s (%lld vs %lld)\n", __FILE__, __LINE__, \
                   #a, #b, (long long)kb_a_, (long long)kb_b_);              \
      kbtest::current_failures++;                                            \
    }                                                                        \
  } while (0)
