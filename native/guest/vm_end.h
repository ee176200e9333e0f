// Ending the VM: the last line the probe prints, then the i8042 reset.
#pragma once
#include <stdbool.h>

// Prints "PROBE-END status=ok|fail", writes 0xFE to port 0x64 (i8042 pulse
// reset: kickvmm stops the VM, QEMU -no-reboot exits) and, should that
// return, halts with interrupts off forever.
__attribute__((noreturn)) void probe_end(bool ok);
// "PROBE-ERROR <message>" then probe_end(false).
__attribute__((noreturn, format(printf, 1, 2))) void probe_fatal(const char* fmt, ...);
