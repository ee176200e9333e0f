#include "console.h"

#include <stdint.h>

#include "arch.h"
#include "lib.h"

enum { COM1 = 0x3f8, UART_LSR = 5, LSR_THRE = 0x20 };

void console_init(void) {
  outb(COM1 + 1, 0x00);  // IER: no interrupts, the probe polls
  outb(COM1 + 3, 0x80);  // LCR.DLAB to set the divisor
  outb(COM1 + 0, 0x01);  // 115200 baud
  outb(COM1 + 1, 0x00);
  outb(COM1 + 3, 0x03);  // 8N1, DLAB off
  outb(COM1 + 2, 0x07);  // FIFO on and cleared
}

void console_putc(char c) {
  // Bounded wait for THRE: a wedged UART must not hang the probe forever.
  for (unsigned spins = 0; spins < 1000000 && !(inb(COM1 + UART_LSR) & LSR_THRE); spins++)
    cpu_relax();
  outb(COM1, (uint8_t)c);
}

static void put_str(const char* s, int width, bool left) {
  int n = (int)strlen(s);
  if (!left)
    for (; width > n; width--) console_putc(' ');
  while (*s) console_putc(*s++);
  if (left)
    for (; width > n; width--) console_putc(' ');
}

static void put_num(uint64_t v, unsigned base, bool negative, int width, char pad) {
  char buf[24];
  int n = 0;
  do {
    unsigned d = (unsigned)(v % base);
    buf[n++] = (char)(d < 10 ? '0' + d : 'a' + d - 10);
    v /= base;
  } while (v);
  if (negative) buf[n++] = '-';
  for (int w = n; w < width; w++) console_putc(pad);
  while (n) console_putc(buf[--n]);
}

void kvprintf(const char* fmt, va_list ap) {
  for (; *fmt; fmt++) {
    if (*fmt != '%') {
      console_putc(*fmt);
      continue;
    }
    fmt++;
    char pad = ' ';
    bool left = false;
    int width = 0, longs = 0;
    if (*fmt == '-') {
      left = true;
      fmt++;
    }
    if (*fmt == '0') {
      pad = '0';
      fmt++;
    }
    while (*fmt >= '0' && *fmt <= '9') width = width * 10 + (*fmt++ - '0');
    while (*fmt == 'l') {
      longs++;
      fmt++;
    }
    switch (*fmt) {
      case 's':
        put_str(va_arg(ap, const char*), width, left);
        break;
      case 'c':
        console_putc((char)va_arg(ap, int));
        break;
      case 'd': {
        int64_t v = longs ? va_arg(ap, int64_t) : va_arg(ap, int);
        put_num(v < 0 ? (uint64_t)-v : (uint64_t)v, 10, v < 0, width, pad);
        break;
      }
      case 'u':
        put_num(longs ? va_arg(ap, uint64_t) : va_arg(ap, unsigned), 10, false, width, pad);
        break;
      case 'x':
        put_num(longs ? va_arg(ap, uint64_t) : va_arg(ap, unsigned), 16, false, width, pad);
        break;
      case 'p':
        console_putc('0');
        console_putc('x');
        put_num((uint64_t)(uintptr_t)va_arg(ap, void*), 16, false, width, pad);
        break;
      case '%':
        console_putc('%');
        break;
      case 0:
        return;
      default:
        console_putc('%');
        console_putc(*fmt);
        break;
    }
  }
}

void kprintf(const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  kvprintf(fmt, ap);
  va_end(ap);
}
