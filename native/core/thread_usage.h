// What the calling thread has used so far, for per-thread VMM statistics.
#pragma once
#include <cstdint>

namespace kick {

// Thread CPU time of the calling thread, in seconds.
double thread_cpu_seconds();
// Context switches of the calling thread so far (getrusage(RUSAGE_THREAD)):
// voluntary = it blocked or yielded, involuntary = it was preempted.
struct ContextSwitches {
  uint64_t voluntary = 0, involuntary = 0;
};
ContextSwitches thread_context_switches();
// CLOCK_MONOTONIC in seconds.
double monotonic_seconds();

}  // namespace kick
