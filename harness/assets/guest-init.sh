#!/bin/busybox sh
# kickbench inner guest: /init of the bonnie++ initramfs.
# Loads the ext4 + virtio-blk modules, mounts /dev/vda at /mnt, runs bonnie++
# with the arguments encoded in the kernel command line (kb.bonnie=BASE64 of a
# shell-quoted word list), prints its stdout between markers and its exit
# status, then unmounts and reboots (reboot=k: the VMM sees 0xFE on port 0x64).
# It also reports MemTotal (the RAM bonnie++ and the page cache see) and, with
# kb.check=1, checks data written and read back from every vCPU at once.
# Sourcing with KB_INIT_SOURCE_ONLY=1 defines the functions only (for tests).

KB_CMDLINE=${KB_CMDLINE:-/proc/cmdline}

kb_say() { echo "@@KICKBENCH $*@@"; }

# Sets "$@" of the caller via eval of the decoded, shell-quoted word list.
kb_bonnie_words() {
  kb_b64=
  for kb_w in $(cat "$KB_CMDLINE"); do
    case "$kb_w" in kb.bonnie=*) kb_b64=${kb_w#kb.bonnie=} ;; esac
  done
  [ -n "$kb_b64" ] || return 1
  echo "$kb_b64" | base64 -d
}

kb_flag() {
  for kb_w in $(cat "$KB_CMDLINE"); do
    [ "$kb_w" = "$1=1" ] && return 0
  done
  return 1
}

# Every online vCPU writes its own file (fsync submits from that vCPU), the page
# cache is dropped, and every vCPU reads its file back from the disk: the
# checksums must match. Requests from several vCPUs share the one virtqueue.
kb_smp_check() {
  cpus=$(nproc)
  i=0
  while [ $i -lt "$cpus" ]; do
    taskset -c $i dd if=/dev/urandom of="kbcheck.$i" bs=64k count=128 conv=fsync 2>/dev/null &
    i=$((i + 1))
  done
  wait
  md5sum kbcheck.* > /tmp/kbcheck.written
  sync
  echo 3 > /proc/sys/vm/drop_caches
  i=0
  while [ $i -lt "$cpus" ]; do
    taskset -c $i md5sum "kbcheck.$i" > "/tmp/kbcheck.read.$i" &
    i=$((i + 1))
  done
  wait
  if cat /tmp/kbcheck.read.* | cmp -s - /tmp/kbcheck.written; then
    kb_say "SMP-CHECK ok cpus=$cpus files=$cpus"
  else
    kb_say "SMP-CHECK mismatch cpus=$cpus"
  fi
  rm -f kbcheck.*
}

kb_finish() {
  cd /
  sync
  umount /mnt 2>/dev/null
  sync
  kb_say "GUEST-DONE"
  reboot -f
  # reboot=k should not return; halt so the VMM at least stops on HLT.
  while :; do sleep 1000; done
}

kb_main() {
  /bin/busybox --install -s /bin
  export PATH=/bin:/usr/sbin:/usr/bin:/sbin
  mount -t proc proc /proc
  mount -t sysfs sys /sys
  mount -t devtmpfs dev /dev
  for m in $(cat /lib/kickbench/modules.order); do
    insmod "/lib/kickbench/modules/$m.ko" || kb_say "ERROR insmod $m failed"
  done
  # virtio-blk probes asynchronously: give /dev/vda a moment to appear.
  n=0
  while [ ! -b /dev/vda ] && [ $n -lt 100 ]; do sleep 0.1; n=$((n + 1)); done
  if ! mount -t ext4 /dev/vda /mnt; then
    kb_say "ERROR cannot mount /dev/vda"
    kb_finish
  fi
  cd /mnt || kb_finish
  kb_say "MEMTOTAL-KB $(sed -n 's/^MemTotal: *\([0-9]*\) kB$/\1/p' /proc/meminfo)"
  words=$(kb_bonnie_words) || { kb_say "ERROR no kb.bonnie= on the kernel command line"; kb_finish; }
  eval "set -- $words"
  # bonnie++ wants its -d directory to exist.
  prev=
  for a in "$@"; do
    [ "$prev" = "-d" ] && mkdir -p "$a"
    prev=$a
  done
  # Progress goes to stderr (the console, live); results to a file, then between markers.
  bonnie++ "$@" > /tmp/bonnie.out
  status=$?
  kb_say "BONNIE-BEGIN"
  cat /tmp/bonnie.out
  kb_say "BONNIE-END"
  kb_say "BONNIE-EXIT $status"
  if kb_flag kb.check; then
    cd /mnt && kb_smp_check
  fi
  kb_finish
}

[ "${KB_INIT_SOURCE_ONLY:-}" = 1 ] || kb_main
