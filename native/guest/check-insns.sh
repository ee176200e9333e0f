#!/bin/sh
# Fails if the probe ELF contains an instruction an instruction-emulating KVM
# rejects or that needs state the probe never enables: any SSE/AVX/MMX
# register, x87, XSAVE/FXSAVE families, CMPXCHG16B, INT3 (and undecodable bytes).
set -eu
elf=$1
# .text.boot32 is the 32-bit PVH entry; everything else is 64-bit code.
bad=$( (objdump -d --no-show-raw-insn -M i386 -j .text.boot32 "$elf"
        objdump -d --no-show-raw-insn -j .text "$elf") | awk -F'\t' 'NF >= 2 { print $2 }' |
  grep -E '%[xyz]mm[0-9]|%mm[0-7]|%st(\(|$|,)|^(f[a-z0-9]*|(v|p)?x?save[a-z0-9]*|x?rstor[a-z0-9]*|cmpxchg16b|int3|emms|ldmxcsr|stmxcsr|\(bad\))([[:space:]]|$)' || true)
if [ -n "$bad" ]; then
  echo "check-insns: forbidden instructions in $elf:" >&2
  echo "$bad" | sort | uniq -c | sort -rn | head -20 >&2
  exit 1
fi
# The PVH note must be there, or no loader will find the 32-bit entry.
if ! readelf -n "$elf" | grep -q 'Xen.*0x00000004.*Unknown note type: (0x00000012)\|Xen.*0x00000012'; then
  echo "check-insns: $elf has no Xen PVH (type 18) ELF note" >&2
  readelf -n "$elf" >&2
  exit 1
fi
