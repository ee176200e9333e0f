#!/bin/busybox sh
# One QEMU job inside the nested rig's L1 (busybox only, no socket tools):
#   qemu-in-l1.sh <stats file> <timeout seconds> <QMP pipe path> <qemu binary> <qemu args...>
# QEMU runs on L1's (nested) KVM with its QMP monitor on a pipe pair
# (<path>.in / <path>.out), its serial console on this script's stdout
# (-serial file:/proc/self/fd/1). The
# guest ends with a reset; QEMU pauses there (-action reboot=shutdown,
# shutdown=pause), this script reads KVM's vCPU counters (query-stats) and the
# CPU time of QEMU's threads, then tells QEMU to quit. The stats file is a
# small line format that harness/peers/qemu-rig.ts turns into a sample:
#   version <qemu --version, first line>
#   arg <one word of QEMU's argument list>   (one line each, in order)
#   query-stats <QMP's answer, one JSON line>
#   thread <utime ticks> <stime ticks> <thread name>
#   tsc-mhz <L1's TSC rate from its kernel log>
#   missing <what could not be read, and why>
# Exit status: 0 when the counters were read and QEMU quit, 3 on the time
# limit (as kickvmm's --timeout), QEMU's own status when it ended early.
stats=$1
limit=$2
pipe=$3
shift 3
qemu=$1

: > "$stats"
note() { printf '%s\n' "$*" >> "$stats"; }
note "version $("$qemu" --version 2> /dev/null | head -n 1)"
for a in "$@"; do note "arg $a"; done

rm -f "$pipe.in" "$pipe.out"
mkfifo "$pipe.in" "$pipe.out" || exit 125
"$@" &
pid=$!
# Read-write opens never block, whether or not QEMU has opened its ends yet.
exec 3<> "$pipe.in" 4<> "$pipe.out"
deadline=$(($(date +%s) + limit))

qmp() { printf '%s\n' "$1" >&3; }

# Running, not a zombie (kill -0 also succeeds on an unreaped child).
alive() {
  state=$(awk '{ sub(/.*\) /, ""); print $1 }' "/proc/$pid/stat" 2> /dev/null)
  [ -n "$state" ] && [ "$state" != Z ]
}

# wait_line PATTERN...: the next QMP line matching one of the shell patterns
# goes to $line. Fails with 1 when QEMU has ended, 2 when time has run out.
wait_line() {
  while :; do
    if read -r -t 1 line <&4; then
      for p in "$@"; do
        case $line in $p) return 0 ;; esac
      done
    else
      alive || return 1
      [ "$(date +%s)" -lt "$deadline" ] || return 2
    fi
  done
}

# QEMU's end without the counters: report its status (or the time limit).
give_up() {
  if [ "$1" = 2 ]; then
    echo "kickbench: QEMU's guest did not end within $limit s; killed" >&2
    kill -KILL "$pid" 2> /dev/null
    wait "$pid"
    exit 3
  fi
  wait "$pid"
  st=$?
  echo "kickbench: QEMU ended (status $st) before its guest's reset; no counters read" >&2
  [ "$st" = 0 ] && st=1
  exit "$st"
}

qmp '{"execute":"qmp_capabilities"}'
wait_line '{"return"*' || give_up $?
wait_line '*"event": "STOP"*' || give_up $?

qmp '{"execute":"query-stats","arguments":{"target":"vcpu"}}'
if wait_line '{"return"*' '{"error"*'; then
  case $line in
    '{"return"'*) note "query-stats $line" ;;
    *) note "missing kvm counters: query-stats answered $(printf '%s' "$line" | head -c 200)" ;;
  esac
else
  note 'missing kvm counters: no answer to query-stats'
fi
for t in /proc/"$pid"/task/*; do
  ticks=$(awk '{ sub(/.*\) /, ""); print $12, $13 }' "$t/stat" 2> /dev/null) || continue
  note "thread $ticks $(cat "$t/comm" 2> /dev/null)"
done
mhz=$(dmesg 2> /dev/null | sed -n -e 's/.*tsc: Detected \([0-9.]*\) MHz.*/\1/p' \
  -e 's/.*tsc: Refined TSC clocksource calibration: \([0-9.]*\) MHz.*/\1/p' | tail -n 1)
[ -n "$mhz" ] && note "tsc-mhz $mhz"

qmp '{"execute":"quit"}'
n=0
while alive && [ $n -lt 100 ]; do
  sleep 0.1
  n=$((n + 1))
done
kill -KILL "$pid" 2> /dev/null
wait "$pid"
exit 0
