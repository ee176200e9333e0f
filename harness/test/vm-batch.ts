// What the VM test files share: one batch of VMs run in a `before` hook, its
// results looked up per test (or the one reason every test skips), and the
// disk images dropped afterwards while the logs stay for a post-mortem.
import { after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { GuestAssets } from '../assets/cache.js';
import { runJobs, type Place, type VmJob, type VmJobResult } from '../launch/index.js';
import { paths } from '../paths.js';

export class VmBatch {
  private readonly results: Record<string, VmJobResult> = {};
  private skipReason: string | null = null;

  /** Call at module top level: registers the image clean-up for `work`. */
  constructor(readonly work: string) {
    after(() => {
      for (const f of readdirSync(work)) if (f.endsWith('.img')) rmSync(join(work, f), { force: true });
    });
  }

  /** Every test that needs the batch skips, saying why. */
  skipAll(reason: string): void {
    this.skipReason = reason;
  }

  /**
   * Runs the jobs with this checkout's kickvmm at `place` (logs under work/<logs>, default "logs") and keeps
   * their results. l1Cpus: in the nested rig, L1's vCPUs instead of every online CPU.
   */
  async run(
    jobs: VmJob[],
    place: Place,
    assets: GuestAssets | null,
    opts: { l1Cpus?: number; logs?: string } = {},
  ): Promise<void> {
    const logDir = join(this.work, opts.logs ?? 'logs');
    const out = await runJobs(jobs, { place, kickvmm: paths.kickvmm(), assets, logDir, l1Cpus: opts.l1Cpus });
    for (const r of out) this.results[r.id] = r;
  }

  /** Keeps a result run by other means (a peer VMM on this host). */
  keep(r: VmJobResult): void {
    this.results[r.id] = r;
  }

  /** The job's result, or null after marking the test skipped. */
  ran(t: { skip: (m: string) => void }, id: string): VmJobResult | null {
    if (this.skipReason) {
      t.skip(this.skipReason);
      return null;
    }
    const r = this.results[id];
    assert.ok(r, `no result for ${id}`);
    return r;
  }

  /** A result other tests may compare against, without skipping or asserting. */
  peek(id: string): VmJobResult | undefined {
    return this.results[id];
  }
}
