#!/bin/sh
# kickvmm's bad-input paths, checked without /dev/kvm: each case must exit
# with the expected status and print exactly one line "kickvmm: ..." on stderr.
#   sh native/tests/cli_errors.sh [path/to/kickvmm]
K=${1:-build/Release/kickvmm}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf 'x' > "$tmp/disk"
: > "$tmp/empty"
printf 'not a kernel' > "$tmp/junk"
fails=0
check() {  # expected-status description args...
  want=$1; what=$2; shift 2
  "$K" "$@" >"$tmp/out" 2>"$tmp/err"
  got=$?
  lines=$(wc -l < "$tmp/err")
  if [ "$got" -ne "$want" ] || [ "$lines" -ne 1 ] || ! grep -q '^kickvmm: ' "$tmp/err"; then
    echo "FAIL $what: status $got (want $want), stderr: $(cat "$tmp/err")"
    fails=$((fails + 1))
  else
    echo "ok $what: $(cat "$tmp/err")"
  fi
}
check 1 "no arguments"
check 1 "unknown option" --frobnicate
check 1 "missing value" --kernel
check 1 "bad mode" --kernel "$tmp/junk" --disk "$tmp/disk" --mode fast
check 1 "missing kernel" --kernel "$tmp/none" --disk "$tmp/disk" --mode exit
check 1 "corrupt kernel" --kernel "$tmp/junk" --disk "$tmp/disk" --mode exit
check 1 "mem in the MMIO hole" --kernel "$tmp/junk" --disk "$tmp/disk" --mode exit --mem 4096
check 1 "mem not a number" --kernel "$tmp/junk" --disk "$tmp/disk" --mode exit --mem lots
check 1 "bad timeout" --kernel "$tmp/junk" --disk "$tmp/disk" --mode exit --timeout -1
check 1 "bad boot" --kernel "$tmp/junk" --disk "$tmp/disk" --mode exit --boot bios
check 1 "floor bad mode" --floor sideways
check 1 "probe extra option" --probe --mem 64
# With a real kernel file (when built), the initrd and disk checks come next.
if [ -f build/probe.elf ]; then
  check 1 "missing disk" --kernel build/probe.elf --disk "$tmp/none" --mode exit
  check 1 "empty disk" --kernel build/probe.elf --disk "$tmp/empty" --mode exit
  check 1 "missing initrd" --kernel build/probe.elf --initrd "$tmp/none" --disk "$tmp/disk" --mode exit
  check 1 "stats written on error" --kernel build/probe.elf --disk "$tmp/empty" --mode exit --stats "$tmp/s.json"
  grep -q '"exitReason": "error"' "$tmp/s.json" || { echo "FAIL stats file on error"; fails=$((fails + 1)); }
fi
echo "cli errors: $fails failed"
[ "$fails" -eq 0 ]
