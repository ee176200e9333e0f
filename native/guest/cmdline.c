#include "cmdline.h"

#include <stdarg.h>

#include "lib.h"

// Tiny bounded formatter for error messages: %s and %.*s only.
static void fmt_err(char* err, unsigned errlen, const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  unsigned n = 0;
  for (; *fmt && n + 1 < errlen; fmt++) {
    if (fmt[0] == '%' && fmt[1] == 's') {
      for (const char* s = va_arg(ap, const char*); *s && n + 1 < errlen; s++) err[n++] = *s;
      fmt++;
    } else if (fmt[0] == '%' && fmt[1] == '.' && fmt[2] == '*' && fmt[3] == 's') {
      int len = va_arg(ap, int);
      const char* s = va_arg(ap, const char*);
      for (int i = 0; i < len && n + 1 < errlen; i++) err[n++] = s[i];
      fmt += 3;
    } else {
      err[n++] = *fmt;
    }
  }
  err[n] = 0;
  va_end(ap);
}

static bool is_blank(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

int cmdline_parse(const char* s, const struct wl_def* const* defs, struct wl_args* out, char* err,
                  unsigned errlen) {
  int count = 0;
  while (*s) {
    // One workload: [s, end) up to ';' or NUL.
    const char* end = s;
    while (*end && *end != ';') end++;
    const char* p = s;
    const struct wl_def* def = 0;
    struct wl_args* a = 0;
    while (p < end) {
      while (p < end && is_blank(*p)) p++;
      if (p == end) break;
      const char* tok = p;
      while (p < end && !is_blank(*p)) p++;
      int toklen = (int)(p - tok);
      if (!def) {
        for (int i = 0; defs[i]; i++)
          if (str_eq_n(tok, (size_t)toklen, defs[i]->name)) def = defs[i];
        if (!def) {
          fmt_err(err, errlen, "unknown workload '%.*s'", toklen, tok);
          return -1;
        }
        if (count == MAX_WORKLOADS) {
          fmt_err(err, errlen, "more than 64 workloads");
          return -1;
        }
        a = &out[count++];
        memset(a, 0, sizeof(*a));
        a->def = def;
        continue;
      }
      const char* eq = tok;
      while (eq < p && *eq != '=') eq++;
      if (eq == p) {
        fmt_err(err, errlen, "%s: expected key=value, got '%.*s'", def->name, toklen, tok);
        return -1;
      }
      int keylen = (int)(eq - tok);
      int k = -1;
      for (int i = 0; def->keys[i]; i++)
        if (str_eq_n(tok, (size_t)keylen, def->keys[i])) k = i;
      if (k < 0) {
        fmt_err(err, errlen, "%s: unknown key '%.*s'", def->name, keylen, tok);
        return -1;
      }
      if (a->set[k]) {
        fmt_err(err, errlen, "%s: key '%s' given twice", def->name, def->keys[k]);
        return -1;
      }
      if (!parse_u64(eq + 1, (size_t)(p - eq - 1), &a->value[k])) {
        fmt_err(err, errlen, "%s: bad value for %s: '%.*s' (want a number, optional k/m/g suffix)",
                def->name, def->keys[k], (int)(p - eq - 1), eq + 1);
        return -1;
      }
      a->set[k] = true;
    }
    if (a && def->validate) {
      const char* why = def->validate(a);
      if (why) {
        fmt_err(err, errlen, "%s: %s", def->name, why);
        return -1;
      }
    }
    s = *end ? end + 1 : end;
  }
  if (count == 0) {
    fmt_err(err, errlen,
            "no workloads on the command line (e.g. \"write bs=64k count=100; verify\")");
    return -1;
  }
  return count;
}
