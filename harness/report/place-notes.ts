// The warning a report prints beside timings that were not taken on bare-metal
// hardware KVM: no figure from the nested rig or an emulating KVM is a hardware number.
import type { HostEnvironment, Place } from '../results/schema.js';

export const NOT_HARDWARE_NOTE: Record<Exclude<Place, 'hardware'>, string> = {
  nested:
    'NESTED RIG: nested-rig timings: correctness and direction only, not hardware performance (KVM inside a TCG-emulated machine).',
  emulating:
    'EMULATING KVM: instruction-emulating KVM timings (about 1 us per guest instruction): correctness and direction only, not hardware performance.',
};

export const HARDWARE_IN_VM_NOTE =
  'HARDWARE KVM INSIDE A VIRTUAL MACHINE: nested hardware virtualization; timings include the outer hypervisor and are not bare-metal numbers.';

/** The warning for a place; `env` tells hardware KVM on bare metal from hardware KVM inside a VM. */
export function whereNote(where: Place, env?: HostEnvironment): string | null {
  if (where !== 'hardware') return NOT_HARDWARE_NOTE[where];
  return env?.hostIsVirtualMachine === true ? HARDWARE_IN_VM_NOTE : null;
}
