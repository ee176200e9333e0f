// Per-thread clocks and counters (see thread_usage.h).
#include "thread_usage.h"

#include <sys/resource.h>
#include <time.h>

namespace kick {

double thread_cpu_seconds() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return double(ts.tv_sec) + double(ts.tv_nsec) * 1e-9;
}

ContextSwitches thread_context_switches() {
  ContextSwitches c;
  struct rusage ru;
  if (getrusage(RUSAGE_THREAD, &ru) == 0) {
    c.voluntary = uint64_t(ru.ru_nvcsw);
    c.involuntary = uint64_t(ru.ru_nivcsw);
  }
  return c;
}

double monotonic_seconds() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return double(ts.tv_sec) + double(ts.tv_nsec) * 1e-9;
}

}  // namespace kick
