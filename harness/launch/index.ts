// Launching VMs: directly on hardware KVM, or in the nested rig.
export type { VmJob, VmJobResult, ConsoleListener } from './job.js';
export { kickvmmArgs, KICKVMM_EXIT } from './job.js';
export { runLocal, type RunLocalOptions } from './local.js';
export {
  runInRig,
  rigL1Cpus,
  type RunInRigOptions,
  RIG_L1_MIN_MEM_MIB,
  RIG_MAX_JOBS_PER_BATCH,
  L1_CMDLINE,
} from './rig.js';
export {
  decidePlace,
  requestedPlace,
  placeWords,
  placesOf,
  PlaceError,
  PLACE_REQUESTS,
  type Place,
  type PlaceRequest,
  type GuestKind,
} from './place.js';
export { detectHost, runJobs, qemuVersion, type HostInfo, type KvmKind, type RunJobsOptions } from './detect.js';
export { demuxRigTranscript, RigDemux, type RigTranscript } from './rig-protocol.js';
