#include "pci.h"

#include "arch.h"

enum {
  CONF_ADDR = 0xcf8,
  CONF_DATA = 0xcfc,
  REG_ID = 0x00,
  REG_COMMAND = 0x04,
  REG_CLASS_REV = 0x08,
  REG_HEADER = 0x0c,
  REG_BAR0 = 0x10,
  REG_SUBSYSTEM = 0x2c,
  REG_INTERRUPT = 0x3c,
  CMD_IO = 0x1,
  CMD_MASTER = 0x4,
  VIRTIO_VENDOR = 0x1af4,
  VIRTIO_LEGACY_BLK_DEVICE = 0x1001,
  VIRTIO_ID_BLOCK = 2,
  FALLBACK_IO_BASE = 0xc000,  // only used if nobody assigned BAR0
};

static uint32_t conf_addr(uint8_t bus, uint8_t dev, uint8_t fn, uint8_t reg) {
  return 0x80000000u | (uint32_t)bus << 16 | (uint32_t)dev << 11 | (uint32_t)fn << 8 | (reg & 0xfc);
}
static uint32_t conf_read32(uint8_t bus, uint8_t dev, uint8_t fn, uint8_t reg) {
  outl(CONF_ADDR, conf_addr(bus, dev, fn, reg));
  return inl(CONF_DATA);
}
static void conf_write32(uint8_t bus, uint8_t dev, uint8_t fn, uint8_t reg, uint32_t v) {
  outl(CONF_ADDR, conf_addr(bus, dev, fn, reg));
  outl(CONF_DATA, v);
}
static void conf_write16(uint8_t bus, uint8_t dev, uint8_t fn, uint8_t reg, uint16_t v) {
  outl(CONF_ADDR, conf_addr(bus, dev, fn, reg));
  outw((uint16_t)(CONF_DATA + (reg & 2)), v);
}

// BAR0 unassigned (no firmware ran): size it and place it at a fixed port.
static uint32_t assign_io_bar0(uint8_t dev, uint8_t fn) {
  conf_write32(0, dev, fn, REG_BAR0, 0xffffffffu);
  uint32_t mask = conf_read32(0, dev, fn, REG_BAR0) & ~3u;
  uint32_t size = (~mask + 1) & 0xffff;
  uint32_t base = FALLBACK_IO_BASE;
  if (size > 1) base = (base + size - 1) & ~(size - 1);
  conf_write32(0, dev, fn, REG_BAR0, base | 1);
  return conf_read32(0, dev, fn, REG_BAR0);
}

const char* pci_find_virtio_blk(struct pci_function* out) {
  for (uint8_t dev = 0; dev < 32; dev++) {
    uint8_t fns = 1;
    for (uint8_t fn = 0; fn < fns; fn++) {
      uint32_t id = conf_read32(0, dev, fn, REG_ID);
      if ((id & 0xffff) == 0xffff) continue;
      if (fn == 0 && (conf_read32(0, dev, 0, REG_HEADER) >> 16) & 0x80) fns = 8;
      if ((id & 0xffff) != VIRTIO_VENDOR || (id >> 16) != VIRTIO_LEGACY_BLK_DEVICE) continue;
      if ((conf_read32(0, dev, fn, REG_SUBSYSTEM) >> 16) != VIRTIO_ID_BLOCK) continue;

      uint32_t bar0 = conf_read32(0, dev, fn, REG_BAR0);
      if (!(bar0 & 1)) return "virtio-blk BAR0 is not an I/O BAR";
      if ((bar0 & ~3u) == 0) bar0 = assign_io_bar0(dev, fn);
      if ((bar0 & ~3u) == 0 || (bar0 & ~3u) > 0xff00)
        return "virtio-blk BAR0 has no usable I/O address";
      uint16_t cmd = (uint16_t)conf_read32(0, dev, fn, REG_COMMAND);
      conf_write16(0, dev, fn, REG_COMMAND, cmd | CMD_IO | CMD_MASTER);

      *out = (struct pci_function){0,
                                   dev,
                                   fn,
                                   (uint16_t)(bar0 & 0xfffc),
                                   (uint8_t)conf_read32(0, dev, fn, REG_INTERRUPT),
                                   (uint8_t)conf_read32(0, dev, fn, REG_CLASS_REV)};
      return 0;
    }
  }
  return "no legacy virtio-blk device (1af4:1001, subsystem 2) on PCI bus 0";
}
