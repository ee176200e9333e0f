/*
 * hostio: the probe guest's block phases run directly on the host, against a
 * file on the same filesystem as the VMs' disk images: the limit a VMM can
 * approach. Same grammar, same block placement, same on-disk pattern (it
 * compiles the probe's own pattern.c) and the same result lines as the probe
 * (native/guest/README.md), with `cycles` counted in nanoseconds (`clock=ns`).
 *
 *   hostio FILE 'write bs=4k count=4096 depth=1; read bs=64k depth=8; seeks count=2000'
 *
 * depth=d keeps d requests in flight with d threads doing pread/pwrite, each
 * taking the next block in order, so the file sees the probe's request stream.
 * Workloads with no host meaning (doorbell, verify, hostile) are skipped with a
 * PROBE-WARN line. `hostio --tsc-khz` prints the host's TSC rate instead: a
 * guest under QEMU counts in host TSC cycles, and QEMU does not report the rate. Exit status: 0 if
 * every workload had errors=0, 1 otherwise, 2 for a bad command line or file.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "pattern.h"

#define SECTOR 512u
#define MAX_BS (4u << 20)
#define MAX_DEPTH 256u

enum kind { K_WRITE, K_REWRITE, K_READ, K_SEEKS };

struct phase {
  enum kind kind;
  const char* name;
  uint64_t bs, count, depth, start, writepct, seed;
  int count_given;
};

struct shared {
  const struct phase* ph;
  int fd;
  uint64_t start_lba, nblocks, sectors;
  atomic_uint_fast64_t next;
  pthread_mutex_t rng_lock;
  uint64_t rng;
  atomic_uint_fast64_t requests, bytes, errors, writes;
};

static uint64_t splitmix64(uint64_t* state) {
  uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

static int io_full(int write, int fd, uint8_t* buf, uint64_t len, uint64_t off) {
  while (len > 0) {
    ssize_t n = write ? pwrite(fd, buf, len, (off_t)off) : pread(fd, buf, len, (off_t)off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return -1;
    buf += n;
    len -= (uint64_t)n;
    off += (uint64_t)n;
  }
  return 0;
}

static void one_request(struct shared* s, int write, uint8_t* buf, uint64_t lba) {
  uint64_t len = s->ph->bs;
  if (io_full(write, s->fd, buf, len, lba * SECTOR) != 0) {
    atomic_fetch_add(&s->errors, 1);
    return;
  }
  atomic_fetch_add(&s->requests, 1);
  atomic_fetch_add(&s->bytes, len);
}

static void* worker(void* arg) {
  struct shared* s = arg;
  const struct phase* ph = s->ph;
  uint8_t* buf = aligned_alloc(4096, ph->bs);
  if (!buf) {
    atomic_fetch_add(&s->errors, 1);
    return NULL;
  }
  for (;;) {
    uint64_t i = atomic_fetch_add(&s->next, 1);
    if (i >= ph->count) break;
    if (ph->kind == K_SEEKS) {
      // The probe draws block then write-back decision from one splitmix64 stream.
      pthread_mutex_lock(&s->rng_lock);
      uint64_t lba = s->start_lba + splitmix64(&s->rng) % s->nblocks * s->sectors;
      int wb = splitmix64(&s->rng) % 100 < ph->writepct;
      pthread_mutex_unlock(&s->rng_lock);
      one_request(s, 0, buf, lba);
      if (wb) {
        one_request(s, 1, buf, lba);
        atomic_fetch_add(&s->writes, 1);
      }
      continue;
    }
    uint64_t lba = s->start_lba + i % s->nblocks * s->sectors;
    switch (ph->kind) {
      case K_WRITE:
        pattern_fill(buf, lba, (uint32_t)s->sectors, tag_for_write_wrap(i / s->nblocks));
        one_request(s, 1, buf, lba);
        break;
      case K_REWRITE:
        one_request(s, 0, buf, lba);
        one_request(s, 1, buf, lba);
        break;
      default:
        one_request(s, 0, buf, lba);
        break;
    }
  }
  free(buf);
  return NULL;
}

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int run_phase(const struct phase* ph, int fd, uint64_t capacity_bytes) {
  struct shared s = {.ph = ph, .fd = fd, .sectors = ph->bs / SECTOR};
  s.start_lba = ph->start / SECTOR;
  uint64_t cap_sectors = capacity_bytes / SECTOR;
  if (s.start_lba >= cap_sectors || (cap_sectors - s.start_lba) / s.sectors == 0) {
    printf("PROBE-ERROR %s: the file is too small for bs=%lu at start=%lu\n", ph->name,
           (unsigned long)ph->bs, (unsigned long)ph->start);
    return 0;
  }
  s.nblocks = (cap_sectors - s.start_lba) / s.sectors;
  struct phase eff = *ph;
  if (!ph->count_given && ph->kind != K_SEEKS) eff.count = s.nblocks;
  s.ph = &eff;
  s.rng = ph->seed;
  pthread_mutex_init(&s.rng_lock, NULL);
  // Seeks stay in the probe's order only with one request in flight; deeper
  // seeks keep the same draws but may issue them out of order, as the probe's do.
  pthread_t th[MAX_DEPTH];
  uint64_t depth = eff.depth, started = 0;
  uint64_t t0 = now_ns();
  for (; started < depth; started++) {
    if (pthread_create(&th[started], NULL, worker, &s) != 0) break;
  }
  if (started == 0) worker(&s);
  for (uint64_t i = 0; i < started; i++) pthread_join(th[i], NULL);
  uint64_t ns = now_ns() - t0;
  printf(
      "PROBE %s bs=%lu count=%lu depth=%lu requests=%lu bytes=%lu errors=%lu cycles=%lu kicks=0 "
      "clock=ns",
      ph->name, (unsigned long)eff.bs, (unsigned long)eff.count,
      (unsigned long)(started ? started : 1), (unsigned long)atomic_load(&s.requests),
      (unsigned long)atomic_load(&s.bytes), (unsigned long)atomic_load(&s.errors),
      (unsigned long)ns);
  if (ph->kind == K_SEEKS)
    printf(" writepct=%lu seed=%lu writes=%lu", (unsigned long)ph->writepct,
           (unsigned long)ph->seed, (unsigned long)atomic_load(&s.writes));
  printf(" start=%lu\n", (unsigned long)ph->start);
  pthread_mutex_destroy(&s.rng_lock);
  return atomic_load(&s.errors) == 0;
}

static int parse_value(const char* v, uint64_t* out) {
  char* end;
  errno = 0;
  if (*v == '-' || *v == '\0') return 0;
  unsigned long long n = strtoull(v, &end, 0);
  if (errno) return 0;
  uint64_t mul = 1;
  if (*end == 'k' || *end == 'K')
    mul = 1024, end++;
  else if (*end == 'm' || *end == 'M')
    mul = 1024 * 1024, end++;
  else if (*end == 'g' || *end == 'G')
    mul = 1024ull * 1024 * 1024, end++;
  if (*end) return 0;
  if (n > UINT64_MAX / mul) return 0;
  *out = n * mul;
  return 1;
}

// Parses one workload ("name key=value ..."); returns 1 = phase, 0 = skip, -1 = error.
static int parse_workload(char* text, struct phase* ph) {
  char* save;
  char* name = strtok_r(text, " \t", &save);
  if (!name) return 0;
  memset(ph, 0, sizeof *ph);
  ph->depth = 1;
  if (!strcmp(name, "write"))
    ph->kind = K_WRITE, ph->bs = 64 * 1024;
  else if (!strcmp(name, "rewrite"))
    ph->kind = K_REWRITE, ph->bs = 64 * 1024;
  else if (!strcmp(name, "read"))
    ph->kind = K_READ, ph->bs = 64 * 1024;
  else if (!strcmp(name, "seeks"))
    ph->kind = K_SEEKS, ph->bs = 4096, ph->count = 1000, ph->writepct = 10, ph->seed = 1;
  else if (!strcmp(name, "doorbell") || !strcmp(name, "verify") || !strcmp(name, "hostile")) {
    printf("PROBE-WARN %s has no host equivalent; skipped\n", name);
    return 0;
  } else {
    printf("PROBE-ERROR unknown workload '%s'\n", name);
    return -1;
  }
  ph->name = name;
  for (char* kv; (kv = strtok_r(NULL, " \t", &save));) {
    char* eq = strchr(kv, '=');
    uint64_t v;
    if (!eq || !parse_value(eq + 1, &v)) {
      printf("PROBE-ERROR %s: malformed '%s'\n", name, kv);
      return -1;
    }
    *eq = '\0';
    if (!strcmp(kv, "bs"))
      ph->bs = v;
    else if (!strcmp(kv, "count"))
      ph->count = v, ph->count_given = 1;
    else if (!strcmp(kv, "depth"))
      ph->depth = v;
    else if (!strcmp(kv, "start"))
      ph->start = v;
    else if (!strcmp(kv, "irq"))
      (void)v;  // the host has no interrupt to suppress
    else if (ph->kind == K_SEEKS && !strcmp(kv, "writepct"))
      ph->writepct = v;
    else if (ph->kind == K_SEEKS && !strcmp(kv, "seed"))
      ph->seed = v;
    else {
      printf("PROBE-ERROR %s: unknown key '%s'\n", name, kv);
      return -1;
    }
  }
  if (ph->bs == 0 || ph->bs % SECTOR || ph->bs > MAX_BS || ph->start % SECTOR || ph->depth == 0 ||
      ph->depth > MAX_DEPTH || ph->writepct > 100) {
    printf(
        "PROBE-ERROR %s: bs must be a multiple of 512 up to 4m, start a multiple of 512, depth "
        "1..%u\n",
        name, MAX_DEPTH);
    return -1;
  }
  return 1;
}

static uint64_t rdtsc(void) {
  uint32_t lo, hi;
  __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
  return (uint64_t)hi << 32 | lo;
}

static uint64_t raw_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC_RAW, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

// TSC ticks over 200 ms of CLOCK_MONOTONIC_RAW, in kHz.
static int print_tsc_khz(void) {
  uint64_t n0 = raw_ns(), t0 = rdtsc();
  struct timespec d = {0, 200 * 1000 * 1000};
  while (nanosleep(&d, &d) != 0 && errno == EINTR) {
  }
  uint64_t n1 = raw_ns(), t1 = rdtsc();
  if (n1 <= n0 || t1 <= t0) {
    fprintf(stderr, "hostio: the TSC or the clock did not advance\n");
    return 1;
  }
  printf("%lu\n", (unsigned long)((t1 - t0) * 1000000ull / (n1 - n0)));
  return 0;
}

int main(int argc, char** argv) {
  if (argc == 2 && !strcmp(argv[1], "--tsc-khz")) return print_tsc_khz();
  if (argc != 3) {
    fprintf(stderr, "usage: hostio FILE 'workload [key=value...]; ...' | hostio --tsc-khz\n");
    return 2;
  }
  int fd = open(argv[1], O_RDWR | O_CLOEXEC);
  struct stat st;
  if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    fprintf(stderr, "hostio: %s: %s\n", argv[1], fd < 0 ? strerror(errno) : "not a regular file");
    return 2;
  }
  // Parse the whole line first, like the probe: a bad workload runs nothing.
  char* line = strdup(argv[2]);
  struct phase phases[64];
  int n = 0;
  char* save;
  for (char* w = strtok_r(line, ";", &save); w; w = strtok_r(NULL, ";", &save)) {
    if (n == 64) {
      printf("PROBE-ERROR more than 64 workloads\nPROBE-END status=fail\n");
      return 2;
    }
    int r = parse_workload(w, &phases[n]);
    if (r < 0) {
      printf("PROBE-END status=fail\n");
      return 2;
    }
    n += r;
  }
  int ok = 1;
  for (int i = 0; i < n; i++) {
    ok &= run_phase(&phases[i], fd, (uint64_t)st.st_size);
    fflush(stdout);
  }
  printf("PROBE-END status=%s\n", ok ? "ok" : "fail");
  close(fd);
  return ok ? 0 : 1;
}
