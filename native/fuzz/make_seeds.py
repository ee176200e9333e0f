#!/usr/bin/env python3
"""Writes the seed corpus of virtio_blk_fuzz (one file per seed) into the
folder given as the only argument. The byte format is the fuzz target's:
5 header bytes, then operations (see run_op in virtio_blk_fuzz.cc)."""
import os
import struct
import sys

RING = 0x1000  # setup with PFN 1
HDR, DATA, STATUS, TABLE = 0x4000, 0x5000, 0x6000, 0x7000
IN_W, OUT_R, FLUSH, GET_ID_W, UNKNOWN = 0x12, 0x01, 0x04, 0x1A, 0x07  # type = m % 9, m & 0x10 = writable


def header(readonly=False, sectors=64, ram_pages=16, fill=0xA5):
    return struct.pack('<BHBB', 1 if readonly else 0, sectors - 1, ram_pages - 4, fill)


def setup(pages=16):
    return struct.pack('<BBBB', 8, 0, 0, 0)  # PFN 1, features = INDIRECT_DESC


def request(head, mode, sector, blocks=1):
    # op 10: head, header gpa, data (addr mode 0: u16), status, len (mode 1: blocks << 9), mode, sector
    return struct.pack('<BBHBHHBBBB', 10, head, HDR + 16 * head, 0, DATA, STATUS + head, 1, blocks, mode, sector)


def kick():
    return struct.pack('<BB', 9, 0)


def desc_at(gpa, addr, length_blocks, flags, nxt):
    # op 1 with an explicit table address; addr mode 0 (u16), len mode 1 (blocks << 9)
    return struct.pack('<BBHBHBBBH', 1, 1, gpa, 0, addr, 1, length_blocks, flags, nxt)


def desc_bytes(gpa, addr, nbytes, flags, nxt):
    return struct.pack('<BBHBHBBBH', 1, 1, gpa, 0, addr, 0, nbytes, flags, nxt)


def indirect(head, n):
    return struct.pack('<BBHBB', 11, head, TABLE, n - 1, 1)


def cfg_write(reg, size_sel, value):
    return struct.pack('<BBBBI', 7, reg, size_sel, 1, value)


def reg_write(off, size_sel, value):
    return struct.pack('<BBBI', 5, off, size_sel, value)


SEEDS = {
    'read': header() + setup() + request(0, IN_W, 3) + kick(),
    'write_then_read': header() + setup() + request(0, OUT_R, 5) + kick() + request(3, IN_W, 5) + kick(),
    'readonly_write': header(readonly=True) + setup() + request(0, OUT_R, 1) + kick(),
    'flush_get_id_unknown': header()
    + setup()
    + request(0, FLUSH, 0)
    + request(3, GET_ID_W, 0)
    + request(6, UNKNOWN, 0)
    + kick(),
    'past_capacity': header(sectors=4) + setup() + request(0, IN_W, 3, blocks=2) + kick(),
    'indirect': header()
    + setup()
    + desc_bytes(TABLE, HDR, 16, 1, 1)
    + desc_at(TABLE + 16, DATA, 1, 1 | 2, 2)
    + desc_bytes(TABLE + 32, STATUS, 1, 2, 0)
    + struct.pack('<BHBBH', 4, HDR, 0, 0, 7)  # header: IN, sector 7
    + indirect(0, 3)
    + kick(),
    'bar_moved': header() + cfg_write(0x10, 2, 0x7000) + setup() + request(0, IN_W, 2) + kick(),
    'avail_jump': header() + setup() + request(0, IN_W, 1) + struct.pack('<BH', 3, 300) + kick(),
    'pfn_rewrite': header() + setup() + request(0, IN_W, 1) + reg_write(8, 2, 9) + kick(),
    'reset_midway': header() + setup() + request(0, IN_W, 1) + reg_write(18, 0, 0) + kick(),
}


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for name, data in SEEDS.items():
        with open(os.path.join(out, name), 'wb') as f:
            f.write(data)


if __name__ == '__main__':
    main()
