#!/bin/busybox sh
# kickbench nested rig: /init of the outer guest (L1), a Debian kernel under
# QEMU TCG with emulated AMD SVM. Loads kvm-amd and virtio-blk, then runs the
# batch's jobs one after another: each is kickvmm on L1's /dev/kvm with the
# job's disk as /dev/vdX. Everything goes back over the serial console between
# markers carrying the batch nonce (see rig-protocol.ts); then L1 powers off.
# The batch archive provides /batch/nonce, /batch/jobs ("index device guard-seconds"
# per line) and /batch/job<index>.sh (the kickvmm command line).

/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mount -t tmpfs tmp /tmp

N=$(cat /batch/nonce)
say() { printf '\n@@KBRIG:%s:%s@@\n' "$N" "$1"; }
# base64 of a file, one marker per line, so long output survives line-based parsing.
say_file() {
  [ -f "$3" ] || return 0
  base64 "$3" | while read -r line; do say "$1:$2:$line"; done
}

for m in $(cat /lib/kickbench-l1/modules.order); do
  insmod "/lib/kickbench-l1/modules/$m.ko" 2>/tmp/insmod.err || say "ERROR:insmod $m: $(head -c 200 /tmp/insmod.err | tr -d '@\n')"
done

# virtio-blk probes asynchronously: wait for the last job's disk.
last=$(tail -n 1 /batch/jobs | cut -d' ' -f2)
n=0
while [ -n "$last" ] && [ ! -b "/dev/$last" ] && [ $n -lt 200 ]; do sleep 0.1; n=$((n + 1)); done

if [ -c /dev/kvm ]; then say "READY:kvm=1"; else say "READY:kvm=0"; fi

# Heartbeat: TCG's nested SVM occasionally wedges L1 outright; the host treats
# a long silence as that and retries in a fresh L1. No newlines around it, so it
# can land inside a job's console line and be cut out without a trace.
( while :; do sleep 10; printf '@@KBRIG:%s:ALIVE@@' "$N"; done ) &

while read -r i dev guard; do
  say "BEGIN:$i"
  t0=$(date +%s)
  if [ -b "/dev/$dev" ]; then
    # The guard outlives kickvmm's own --timeout; it only fires if kickvmm hangs.
    timeout -s KILL "$guard" sh "/batch/job$i.sh" < /dev/null 2> "/tmp/stderr.$i"
    st=$?
  else
    echo "rig: /dev/$dev missing in L1" > "/tmp/stderr.$i"
    st=125
  fi
  t1=$(date +%s)
  say_file STATS "$i" "/tmp/stats.$i.json"
  say_file STDERR "$i" "/tmp/stderr.$i"
  rm -f "/tmp/stats.$i.json" "/tmp/stderr.$i"
  say "END:$i:$st:$((t1 - t0))"
done < /batch/jobs

sync
say "ALL-DONE"
poweroff -f
