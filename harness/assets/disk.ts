// The benchmark disk: a sparse ext4 image made once, kept pristine in the cache,
// copied per run. mkfs options make it reproducible and free of lazy-init noise.
import { openSync, closeSync, ftruncateSync } from 'node:fs';
import { requireTool, runTool, runToolStatus } from './exec.js';

export const DISK_UUID = '6b1c4b3e-0a5e-4d1c-9c2a-6b69636b6265';
export const DISK_HASH_SEED = '0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9';
export const DISK_SIZE_BYTES = 1024 * 1024 * 1024;
/** mke2fs reads this (and SOURCE_DATE_EPOCH in newer releases) instead of the clock. */
const FIXED_TIME = '1700000000';

export function mkfsArgs(path: string): string[] {
  return [
    '-q',
    '-F',
    '-t',
    'ext4',
    '-L',
    'kickbench',
    '-U',
    DISK_UUID,
    '-E',
    `root_owner=0:0,lazy_itable_init=0,lazy_journal_init=0,hash_seed=${DISK_HASH_SEED}`,
    path,
  ];
}

export async function mkfsVersion(): Promise<string> {
  const mkfs = requireTool('mkfs.ext4', 'e2fsprogs');
  const { stdout, stderr } = await runTool(mkfs, ['-V']);
  return ((stderr || stdout).split('\n')[0] ?? '').trim();
}

/** A sparse file of `sizeBytes` (zeros, no blocks allocated): a blank disk. */
export function sparseFile(path: string, sizeBytes: number): string {
  const fd = openSync(path, 'w');
  try {
    ftruncateSync(fd, sizeBytes);
  } finally {
    closeSync(fd);
  }
  return path;
}

export async function createPristineDisk(path: string, sizeBytes = DISK_SIZE_BYTES): Promise<void> {
  const mkfs = requireTool('mkfs.ext4', 'e2fsprogs');
  sparseFile(path, sizeBytes);
  await runTool(mkfs, mkfsArgs(path), {
    env: { ...process.env, E2FSPROGS_FAKE_TIME: FIXED_TIME, SOURCE_DATE_EPOCH: FIXED_TIME },
  });
}

/** A private copy of the pristine disk for one run (reflink when the filesystem can, sparse always). */
export async function freshDisk(assets: { disk: string }, destPath: string): Promise<string> {
  const cp = requireTool('cp', 'coreutils');
  await runTool(cp, ['--reflink=auto', '--sparse=always', assets.disk, destPath]);
  return destPath;
}

/** Read-only full check of an image (e2fsck -fn): clean means exit status 0. */
export async function fsckDisk(path: string): Promise<{ clean: boolean; output: string }> {
  const e2fsck = requireTool('e2fsck', 'e2fsprogs');
  const r = await runToolStatus(e2fsck, ['-fn', path]);
  return { clean: r.status === 0, output: `${r.stdout}${r.stderr}`.trim() };
}
