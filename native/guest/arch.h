// x86 primitives the probe needs: port I/O, the TSC, barriers and halting.
// Everything is inline asm on general-purpose registers only, so the binary
// stays runnable on an instruction-emulating KVM (no SSE/x87/XSAVE).
#pragma once
#include <stdint.h>

static inline void outb(uint16_t port, uint8_t v) {
  __asm__ volatile("outb %0, %1" ::"a"(v), "Nd"(port));
}
static inline void outw(uint16_t port, uint16_t v) {
  __asm__ volatile("outw %0, %1" ::"a"(v), "Nd"(port));
}
static inline void outl(uint16_t port, uint32_t v) {
  __asm__ volatile("outl %0, %1" ::"a"(v), "Nd"(port));
}
static inline uint8_t inb(uint16_t port) {
  uint8_t v;
  __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
  return v;
}
static inline uint16_t inw(uint16_t port) {
  uint16_t v;
  __asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
  return v;
}
static inline uint32_t inl(uint16_t port) {
  uint32_t v;
  __asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
  return v;
}

static inline uint64_t rdtsc(void) {
  uint32_t lo, hi;
  __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
  return ((uint64_t)hi << 32) | lo;
}

// x86 keeps stores in order and loads in order, so sharing the rings with
// the device only needs the compiler not to reorder: a compiler barrier.
// (A full fence is only needed for store->load ordering, which the probe
// never relies on: it never reads a device flag to decide whether to kick.)
static inline void barrier(void) {
  __asm__ volatile("" ::: "memory");
}

static inline void cpu_relax(void) {
  __asm__ volatile("pause" ::: "memory");
}

static inline __attribute__((noreturn)) void halt_forever(void) {
  for (;;) __asm__ volatile("cli; hlt");
}
