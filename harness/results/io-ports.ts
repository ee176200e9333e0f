// kickvmm's per-port io exit counts (`ioExitsByPort` in its --stats JSON,
// hex-string keys) split into a boot's fixed exits and the I/O path. The fixed
// ones (console output, PCI configuration probing, other legacy ISA ports) do
// not scale with the data moved, so "io exits per MiB" counts only the rest:
// PCI I/O space at 0x1000 and above, where the virtio device's BAR (and its
// queue-notify register) decodes (kickvmm puts it at 0x6200).

export type PortClass = 'console' | 'pciConfig' | 'legacy' | 'ioPath';

export const PORT_CLASS_LABELS: Record<PortClass, string> = {
  console: 'console (0x3f8-0x3ff)',
  pciConfig: 'PCI config (0xcf8-0xcff)',
  legacy: 'other legacy ports (below 0x1000)',
  ioPath: 'I/O path (device BAR, 0x1000 and up)',
};

export function classifyPort(port: number): PortClass {
  if (port >= 0x3f8 && port <= 0x3ff) return 'console';
  if (port >= 0xcf8 && port <= 0xcff) return 'pciConfig';
  if (port < 0x1000) return 'legacy';
  return 'ioPath';
}

export type PortExitSplit = Record<PortClass, number>;

/** The per-class sums of a stats object's ioExitsByPort; null when the stats have none (kickvmm before issue 7). */
export function splitIoExits(
  stats: { ioExitsByPort?: Record<string, number> } | null | undefined,
): PortExitSplit | null {
  const byPort = stats?.ioExitsByPort;
  if (!byPort) return null;
  const out: PortExitSplit = { console: 0, pciConfig: 0, legacy: 0, ioPath: 0 };
  for (const [key, count] of Object.entries(byPort)) {
    const port = Number.parseInt(key, 16);
    if (
      !/^(0x)?[0-9a-f]+$/i.test(key) ||
      !Number.isFinite(port) ||
      typeof count !== 'number' ||
      !Number.isFinite(count)
    )
      continue;
    out[classifyPort(port)] += count;
  }
  return out;
}
