// Where a VM runs, and so what its timings mean: the one vocabulary and the one
// rule. The rule is applied once per guest kind (by `kickbench run`, `micro`,
// `doctor` and the VM tests) and the Place is passed down to runJobs and
// recorded in every sample; nothing below re-detects the host.

/**
 * hardware: this host's hardware-assisted KVM; emulating: this host's KVM that
 * emulates every guest instruction; nested: the rig (kickvmm in a QEMU TCG guest).
 * Timings from 'emulating' or 'nested' say nothing about hardware.
 */
export const PLACES = ['hardware', 'emulating', 'nested'] as const;
export type Place = (typeof PLACES)[number];

/** What a user may ask for (--where, KICKBENCH_WHERE): 'local' is this host's KVM, whatever its kind. */
export type PlaceRequest = 'auto' | 'local' | 'nested';
export const PLACE_REQUESTS: readonly PlaceRequest[] = ['auto', 'local', 'nested'];

/** The freestanding probe guest runs on any KVM; a Linux guest needs hardware assistance (or the rig). */
export type GuestKind = 'probe' | 'linux';

/** The host facts the rule needs (launch/detect.ts finds them). */
export interface PlaceHost {
  kvmKind: 'hardware' | 'emulating' | 'none';
}

export class PlaceError extends Error {}

/** An explicit request wins; 'auto' defers to KICKBENCH_WHERE, then to the host. */
export function requestedPlace(flag: PlaceRequest = 'auto', env: NodeJS.ProcessEnv = process.env): PlaceRequest {
  if (flag !== 'auto') return flag;
  const v = env.KICKBENCH_WHERE;
  if (v === undefined || v === '') return 'auto';
  if ((PLACE_REQUESTS as readonly string[]).includes(v)) return v as PlaceRequest;
  throw new PlaceError(`KICKBENCH_WHERE=${v}: expected ${PLACE_REQUESTS.join(', ')}`);
}

/**
 * The rule. auto: hardware KVM runs everything locally; an instruction-emulating
 * KVM still runs the probe guest (its exit and ioeventfd costs are real there)
 * but no Linux guest; everything else goes to the nested rig.
 */
export function decidePlace(host: PlaceHost, guest: GuestKind, request: PlaceRequest = 'auto'): Place {
  if (request === 'nested') return 'nested';
  if (request === 'local') {
    if (host.kvmKind === 'none')
      throw new PlaceError('--where local: this host has no usable /dev/kvm; use --where nested');
    if (host.kvmKind === 'emulating' && guest === 'linux') {
      throw new PlaceError(
        "--where local: this host's KVM emulates every instruction, so a Linux guest cannot run on it; use --where nested (or auto)",
      );
    }
    return host.kvmKind;
  }
  if (host.kvmKind === 'hardware') return 'hardware';
  if (host.kvmKind === 'emulating' && guest === 'probe') return 'emulating';
  return 'nested';
}

/** A few words for a place, for progress lines and doctor. */
export function placeWords(place: Place): string {
  switch (place) {
    case 'hardware':
      return 'local hardware KVM';
    case 'emulating':
      return 'local instruction-emulating KVM';
    case 'nested':
      return 'the nested rig (QEMU TCG + nested KVM)';
  }
}

/** The places some samples ran, most caveated first (nested, emulating, hardware), each once. */
export function placesOf(samples: readonly { where: Place }[]): Place[] {
  const order: Place[] = ['nested', 'emulating', 'hardware'];
  const seen = new Set(samples.map((s) => s.where));
  return order.filter((p) => seen.has(p));
}
