#include "vm_end.h"

#include "arch.h"
#include "console.h"

enum { I8042_STATUS = 0x64, I8042_INPUT_FULL = 0x02, I8042_RESET = 0xfe };

void probe_end(bool ok) {
  kprintf("PROBE-END status=%s\n", ok ? "ok" : "fail");
  // Like Linux's reboot=k: wait (bounded) for the controller's input buffer to drain.
  for (int i = 0; i < 100000; i++) {
    uint8_t st = inb(I8042_STATUS);
    if (st == 0xff || !(st & I8042_INPUT_FULL)) break;  // 0xff: no controller at all
    cpu_relax();
  }
  outb(I8042_STATUS, I8042_RESET);
  halt_forever();
}

void probe_fatal(const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  kprintf("PROBE-ERROR ");
  kvprintf(fmt, ap);
  va_end(ap);
  kprintf("\n");
  probe_end(false);
}
