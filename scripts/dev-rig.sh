#!/usr/bin/env bash
# Developer aid, not the product rig: run one shell command under a *real*
# KVM on a machine whose own /dev/kvm is missing or instruction-emulating.
# It boots Debian's kernel in QEMU TCG with emulated AMD SVM ("L1"), loads
# kvm-amd there, mounts this host's / read-only over 9p (and /work
# read-write), and runs the command chrooted into the host's tree, so host
# binaries (kickvmm, node, tests) run unchanged against L1's /dev/kvm.
#
#   scripts/dev-rig.sh 'build/Release/kickvmm --probe'
#   DEVRIG_DISK=/tmp/disk.img scripts/dev-rig.sh '...uses /dev/vda...'
#
# Prints the command's output and exits with its status. Timings inside are
# nested-rig timings: they say nothing about hardware.
set -euo pipefail
cmd=${1:?usage: dev-rig.sh COMMAND}
cache=${DEVRIG_CACHE:-/tmp/kickbench-devrig}
mem=${DEVRIG_MEM:-4096}
timeout_s=${DEVRIG_TIMEOUT:-900}
mkdir -p "$cache"
if [ ! -f "$cache/ready" ]; then
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
mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000 work /host/work
mount -t proc proc /host/proc; mount -t sysfs sys /host/sys; mount -t devtmpfs dev /host/dev
mount -t tmpfs tmp /host/tmp
[ -e /dev/kvm ] || echo "DEVRIG: no /dev/kvm in L1"
cmdf=$(sed -n 's/.*devrig_cmd=\([^ ]*\).*/\1/p' /proc/cmdline)
chroot /host /bin/sh "$cmdf" 2>&1 < /dev/null
echo "DEVRIG-EXIT=$?"
sync
poweroff -f
INIT
  chmod +x "$root/init"
  (cd "$root" && find . | cpio -o -H newc --quiet) > "$cache/initramfs.cpio"
  cp "$cache/x/boot/vmlinuz-$kv" "$cache/vmlinuz"
  touch "$cache/ready"
fi
# The command reaches L1 through the shared /work tree.
cmdfile=$(mktemp /work/.devrig-cmd.XXXXXX)
trap 'rm -f "$cmdfile"' EXIT
printf 'cd %q\nexport HOME=/tmp PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin\n%s\n' "$PWD" "$cmd" > "$cmdfile"
extra=()
[ -n "${DEVRIG_DISK:-}" ] && extra+=(-drive "file=$DEVRIG_DISK,if=virtio,format=raw,cache=writeback")
append="console=ttyS0 quiet loglevel=1 panic=-1 devrig_cmd=$cmdfile"
out=$(mktemp)
set +e
timeout "$timeout_s" qemu-system-x86_64 -accel tcg -M pc -cpu EPYC,+svm,+npt -smp 2 -m "$mem" \
  -display none -monitor none -serial stdio -no-reboot \
  -kernel "$cache/vmlinuz" -initrd "$cache/initramfs.cpio" -append "$append" \
  -virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
  -virtfs local,path=/work,mount_tag=work,security_model=none,multidevs=remap \
  "${extra[@]}" 2> >(grep -v "TCG doesn.t support" >&2) | tr -d '\r' | tee "$out" | grep -v '^DEVRIG-EXIT='
qrc=${PIPESTATUS[0]}
set -e
rc=$(sed -n 's/^DEVRIG-EXIT=//p' "$out" | tail -1)
rm -f "$out"
if [ -z "$rc" ]; then echo "dev-rig: L1 ended without an exit status (qemu status $qrc)" >&2; exit 125; fi
exit "$rc"
