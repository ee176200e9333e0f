#!/bin/busybox sh
# kickbench inner guest: /init of the bonnie++ initramfs.
# Loads the ext4 + virtio-blk modules, mounts /dev/vda at /mnt, runs bonnie++
# with the arguments encoded in the kernel command line (kb.bonnie=BASE64 of a
# shell-quoted word list), prints its stdout between markers and its exit
# status, then unmounts and reboots (reboot=k: the VMM sees 0xFE on port 0x64).
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
  kb_finish
}

[ "${KB_INIT_SOURCE_ONLY:-}" = 1 ] || kb_main
