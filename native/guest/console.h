// Polled 16550 console on COM1 (0x3f8): the probe's only output channel.
#pragma once
#include <stdarg.h>

void console_init(void);
void console_putc(char c);
// printf subset: %s %c %d %u %x %p %%, optional '0' flag and width,
// 'l'/'ll' for 64-bit integers.
void kprintf(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
void kvprintf(const char* fmt, va_list ap);
