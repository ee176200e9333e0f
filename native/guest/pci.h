// PCI configuration mechanism #1 on bus 0: just enough to find the legacy
// virtio-blk function and switch on its I/O BAR and bus mastering.
#pragma once
#include <stdint.h>

struct pci_function {
  uint8_t bus, dev, fn;
  uint16_t io_base;  // BAR0, the legacy virtio register block
  uint8_t irq_line;
  uint8_t revision;
};

// Finds vendor 0x1AF4 device 0x1001 with subsystem id 2 (block) on bus 0,
// sets COMMAND.IO|MASTER. Returns NULL on success, else a one-line reason.
const char* pci_find_virtio_blk(struct pci_function* out);
