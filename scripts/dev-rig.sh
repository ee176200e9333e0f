#!/usr/bin/env bash
# Developer aid, not the product rig: run one shell command under a *real*
# KVM on a machine whose own /dev/kvm is missing or instruction-emulating.
# It boots Debian's kernel in QEMU TCG with emulated AMD SVM ("L1"), loads
# kvm-amd there, mounts this host's / read-only over 9p (and /work
# read-write when it exists), and runs the command chrooted into the host's
# tree, so host binaries (kickvmm, node, tests) run unchanged against L1's
# /dev/kvm. L1 has no network; kickbench inside uses this host's guest-asset
# cache (KICKBENCH_CACHE, read-only) and never downloads (KICKBENCH_OFFLINE=1).
# $DEVRIG_OUT inside is a directory this host can read afterwards: DIR/out
# for DEVRIG_SHARE=DIR on the host (kept), else a temporary one (removed).
#
#   scripts/dev-rig.sh 'build/Release/kickvmm --probe'
#   scripts/dev-rig.sh 'node dist/harness/cli.js run quick -n 1'
#   DEVRIG_DISK=/tmp/disk.img scripts/dev-rig.sh '...uses /dev/vda...'
#   DEVRIG_QEMU_LOG=/tmp/l1.log scripts/dev-rig.sh '...'   (L1's CPU state at each reset)
#
# Prints the command's output and exits with its status. Timings inside are
# nested-rig timings: they say nothing about hardware.
set -euo pipefail
cmd=${1:?usage: dev-rig.sh COMMAND}
die() { echo "dev-rig: $*" >&2; exit 2; }
command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 not found (Debian package qemu-system-x86)"
kb_cache=${KICKBENCH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kickbench}
cache=${DEVRIG_CACHE:-/tmp/kickbench-devrig}
# Bump when L1's initramfs (its /init below) changes, so a cached one is rebuilt.
devrig_version=4
mem=${DEVRIG_MEM:-4096}
timeout_s=${DEVRIG_TIMEOUT:-900}
mkdir -p "$cache"
if [ "$(cat "$cache/ready" 2>/dev/null)" != "$devrig_version" ]; then
  command -v apt-get >/dev/null || die "apt-get not found: the shell takes L1's kernel and busybox from Debian packages"
  (cd "$cache" && rm -rf x debs && mkdir -p x debs && cd debs &&
    kpkg=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-[0-9]/{print $2; exit}') &&
    apt-get download -q "$kpkg" busybox-static >/dev/null 2>&1 &&
    for d in *.deb; do dpkg-deb -x "$d" ../x; done)
  kv=$(ls "$cache/x/lib/modules")
  kdir="$cache/x/lib/modules/$kv/kernel"
  root="$cache/initramfs"; rm -rf "$root"; mkdir -p "$root"/{bin,proc,sys,dev,host,mods}
  cp "$cache/x/bin/busybox" "$root/bin/busybox"
  # Resolve module dependencies from each .ko's modinfo (the .deb ships no modules.dep).
  order=()
  add_mod() {
    local name=$1 f deps d
    for d in "${order[@]:-}"; do [ "$d" = "$name" ] && return 0; done
    f=$(find "$kdir" -name "$name.ko" | head -1)
    [ -n "$f" ] || { echo "dev-rig: module $name not found" >&2; exit 1; }
    deps=$(grep -a -o 'depends=[^[:cntrl:]]*' "$f" | head -1 | cut -d= -f2 | tr ',' ' ')
    for d in $deps; do add_mod "$d"; done
    order+=("$name"); cp "$f" "$root/mods/"
  }
  for m in virtio_pci virtio_blk 9pnet_virtio 9p kvm-amd; do add_mod "$m"; done
  printf '%s\n' "${order[@]}" > "$root/mods/order"
  cat > "$root/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
for m in $(cat /mods/order); do insmod /mods/$m.ko 2>/dev/null; done
mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=512000,cache=loose hostroot /host
arg() { sed -n "s/.*$1=\\([^ ]*\\).*/\\1/p" /proc/cmdline; }
[ "$(arg devrig_work)" = 1 ] && mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000 work /host/work
mount -t proc proc /host/proc; mount -t sysfs sys /host/sys; mount -t devtmpfs dev /host/dev
mount -t tmpfs tmp /host/tmp
# The checkout itself, wherever it is (a clone under /tmp would be hidden by the tmpfs above).
repo=$(arg devrig_repo)
[ -n "$repo" ] && mkdir -p "/host$repo" && mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000 repo "/host$repo"
share=$(arg devrig_share)
mkdir -p "/host$share" && mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000 share "/host$share"
hostname "$(arg devrig_host)"
[ -e /dev/kvm ] || echo "DEVRIG: no /dev/kvm in L1"
cmdf=$share/cmd
chroot /host /bin/sh "$cmdf" 2>&1 < /dev/null
st=$?
# On a line of its own even when the command's output did not end with a newline.
printf '\nDEVRIG-EXIT=%s\n' "$st"
sync
poweroff -f
INIT
  chmod +x "$root/init"
  (cd "$root" && find . | cpio -o -H newc --quiet) > "$cache/initramfs.cpio"
  cp "$cache/x/boot/vmlinuz-$kv" "$cache/vmlinuz"
  echo "$devrig_version" > "$cache/ready"
fi
# The command and $DEVRIG_OUT reach L1 through one shared directory.
if [ -n "${DEVRIG_SHARE:-}" ]; then
  mkdir -p "$DEVRIG_SHARE" && share=$(cd "$DEVRIG_SHARE" && pwd)
  trap 'rm -f "$share/cmd"' EXIT
else
  share=$(mktemp -d "${TMPDIR:-/tmp}/kickbench-devrig.XXXXXX")
  trap 'rm -rf "$share"' EXIT
fi
case "$share" in *[!A-Za-z0-9._/-]*) die "DEVRIG_SHARE=$share: use a path of letters, digits and ._/- only" ;; esac
out_dir=$share/out
mkdir -p "$out_dir"
printf 'cd %q\nexport HOME=/tmp PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin KICKBENCH_CACHE=%q KICKBENCH_OFFLINE=1 DEVRIG_OUT=%q\n%s\n' \
  "$PWD" "$kb_cache" "$out_dir" "$cmd" > "$share/cmd"
extra=()
[ -n "${DEVRIG_DISK:-}" ] && extra+=(-drive "file=$DEVRIG_DISK,if=virtio,format=raw,cache=writeback")
# DEVRIG_QEMU_LOG=FILE: QEMU logs L1's CPU state at every reset (an L1 triple fault included) and guest
# errors; DEVRIG_QEMU_LOG_ITEMS changes what (e.g. int,cpu_reset: every exception and interrupt, large).
[ -n "${DEVRIG_QEMU_LOG:-}" ] && extra+=(-d "${DEVRIG_QEMU_LOG_ITEMS:-cpu_reset,guest_errors}" -D "$DEVRIG_QEMU_LOG")
work=0
[ -d /work ] && work=1 && extra+=(-virtfs local,path=/work,mount_tag=work,security_model=none,multidevs=remap)
# L1 gets every online CPU (as the product rig does; DEVRIG_CPUS=N for an experiment), and a name that says what it is.
cpus=${DEVRIG_CPUS:-$(nproc)}; [ "$cpus" -gt 16 ] && cpus=16
l1_name=$(hostname 2>/dev/null | tr -c 'A-Za-z0-9.\n-' '-')
case "$PWD" in *[!A-Za-z0-9._/-]*) die "the checkout's path $PWD: use letters, digits and ._/- only" ;; esac
append="console=ttyS0 quiet loglevel=1 panic=-1 devrig_share=$share devrig_repo=$PWD devrig_work=$work devrig_host=${l1_name:-host}-devrig-l1"
out=$(mktemp)
set +e
timeout "$timeout_s" qemu-system-x86_64 -accel tcg -M pc -cpu EPYC,+svm,+npt -smp "$cpus" -m "$mem" \
  -display none -monitor none -serial stdio -no-reboot -nic none \
  -kernel "$cache/vmlinuz" -initrd "$cache/initramfs.cpio" -append "$append" \
  -virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
  -virtfs "local,path=$share,mount_tag=share,security_model=none,multidevs=remap" \
  -virtfs "local,path=$PWD,mount_tag=repo,security_model=none,multidevs=remap" \
  "${extra[@]}" 2> >(grep -v "TCG doesn.t support" >&2) | tr -d '\r' | tee "$out" | grep -v '^DEVRIG-EXIT='
qrc=${PIPESTATUS[0]}
set -e
rc=$(sed -n 's/^DEVRIG-EXIT=//p' "$out" | tail -1)
rm -f "$out"
if [ -z "$rc" ]; then echo "dev-rig: L1 ended without an exit status (qemu status $qrc)" >&2; exit 125; fi
exit "$rc"
