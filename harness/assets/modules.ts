// Kernel modules from an unpacked linux-image .deb. The package ships no
// modules.dep, so dependencies come from each .ko's .modinfo "depends=" field.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Module names compare equal whatever mix of '-' and '_' they use (as in the kernel). */
export function normalizeModuleName(name: string): string {
  return name.replace(/-/g, '_');
}

/** Reads one key from a .ko's .modinfo strings ("key=value\0"); every occurrence. */
export function readModinfo(ko: Buffer, key: string): string[] {
  const needle = Buffer.from(`${key}=`);
  const values: string[] = [];
  let at = ko.indexOf(needle);
  while (at >= 0) {
    // A real modinfo entry starts right after a NUL (or at a section start).
    if (at === 0 || ko[at - 1] === 0) {
      const end = ko.indexOf(0, at);
      values.push(ko.toString('utf8', at + needle.length, end < 0 ? ko.length : end));
    }
    at = ko.indexOf(needle, at + 1);
  }
  return values;
}

export function moduleDepends(ko: Buffer): string[] {
  const deps = readModinfo(ko, 'depends')[0] ?? '';
  return deps
    .split(',')
    .map((d) => d.trim())
    .filter(Boolean)
    .map(normalizeModuleName);
}

/**
 * Orders `wanted` and all their dependencies so each module comes after what
 * it depends on. `depsOf` returns null for an unknown module; names in `builtin` are skipped.
 */
export function orderModules(
  wanted: string[],
  depsOf: (name: string) => string[] | null,
  builtin: Set<string> = new Set(),
): string[] {
  const order: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (raw: string, chain: string[]): void => {
    const name = normalizeModuleName(raw);
    if (builtin.has(name) || state.get(name) === 'done') return;
    if (state.get(name) === 'visiting') throw new Error(`module dependency cycle: ${[...chain, name].join(' -> ')}`);
    const deps = depsOf(name);
    if (deps === null) {
      throw new Error(
        `kernel module ${name} not found${chain.length ? ` (needed by ${chain[chain.length - 1]})` : ''}`,
      );
    }
    state.set(name, 'visiting');
    for (const d of deps) visit(d, [...chain, name]);
    state.set(name, 'done');
    order.push(name);
  };
  for (const w of wanted) visit(w, []);
  return order;
}

export interface ModuleTree {
  kernelVersion: string;
  /** normalized name -> .ko path */
  files: Map<string, string>;
  builtin: Set<string>;
}

export function indexModules(extractRoot: string): ModuleTree {
  const base = join(extractRoot, 'lib/modules');
  const versions = existsSync(base) ? readdirSync(base) : [];
  if (versions.length !== 1) throw new Error(`expected one kernel under ${base}, found ${versions.length}`);
  const kernelVersion = versions[0];
  const files = new Map<string, string>();
  const walk = (dir: string): void => {
    for (const ent of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, ent.name);
      if (ent.isDirectory()) walk(p);
      else if (ent.name.endsWith('.ko')) files.set(normalizeModuleName(ent.name.slice(0, -3)), p);
    }
  };
  walk(join(base, kernelVersion, 'kernel'));
  if (files.size === 0)
    throw new Error(`no .ko files under ${base}/${kernelVersion} (compressed modules are not supported)`);
  const builtin = new Set<string>();
  const builtinFile = join(base, kernelVersion, 'modules.builtin');
  if (existsSync(builtinFile)) {
    for (const line of readFileSync(builtinFile, 'utf8').split('\n')) {
      const m = /([^/]+)\.ko$/.exec(line.trim());
      if (m) builtin.add(normalizeModuleName(m[1]));
    }
  }
  return { kernelVersion, files, builtin };
}

/** Resolves `wanted` in a real module tree: [{name, path}] in load order. */
export function resolveModules(tree: ModuleTree, wanted: string[]): { name: string; path: string }[] {
  const cache = new Map<string, string[]>();
  const depsOf = (name: string): string[] | null => {
    const path = tree.files.get(name);
    if (!path) return null;
    if (!cache.has(name)) cache.set(name, moduleDepends(readFileSync(path)));
    return cache.get(name)!;
  };
  return orderModules(wanted, depsOf, tree.builtin).map((name) => ({ name, path: tree.files.get(name)! }));
}
