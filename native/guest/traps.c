#include "traps.h"

#include <stdint.h>

#include "vm_end.h"

struct idt_gate {
  uint16_t offset_lo, selector;
  uint8_t ist, type_attr;
  uint16_t offset_mid;
  uint32_t offset_hi, zero;
} __attribute__((packed));

struct idt_ptr {
  uint16_t limit;
  uint64_t base;
} __attribute__((packed));

extern const uint64_t trap_stubs[32];
static struct idt_gate idt[32];

void traps_init(void) {
  for (int v = 0; v < 32; v++) {
    uint64_t a = trap_stubs[v];
    idt[v] = (struct idt_gate){(uint16_t)a,
                               0x08,
                               0,
                               0x8E /* present, 64-bit interrupt gate */,
                               (uint16_t)(a >> 16),
                               (uint32_t)(a >> 32),
                               0};
  }
  struct idt_ptr p = {sizeof(idt) - 1, (uint64_t)(uintptr_t)idt};
  __asm__ volatile("lidt %0" ::"m"(p));
}

__attribute__((noreturn)) void trap_report(uint64_t vector, uint64_t error, uint64_t rip) {
  uint64_t cr2;
  __asm__ volatile("mov %%cr2, %0" : "=r"(cr2));
  probe_fatal("cpu exception vector=%lu error=0x%lx rip=0x%lx cr2=0x%lx", vector, error, rip, cr2);
}
