// JUnit XML for CI systems (GitHub, GitLab, Jenkins show it natively): one
// test case per primary metric and arm; a regression is a <failure>, a metric
// the comparison cannot judge is <skipped> with the reason. Validated against
// schemas/junit.xsd in the tests.

import type { RunComparison } from '../stats/index.js';
import { gateCases, type GateCase } from './gate-cases.js';

export interface JUnitOptions {
  /** the suite name, e.g. "kickbench compare" or "kickbench ab" */
  name: string;
  thresholdPct?: number;
  /** ISO time the comparison was made */
  timestamp?: string;
  /** extra properties (commits, host, where it ran) */
  properties?: Record<string, string>;
}

/** XML 1.0 text: escaped, and without the control characters XML cannot carry. */
export function xmlText(s: string): string {
  return s
    .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '\uFFFD')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

function testcase(k: GateCase, classname: string): string {
  const head = `    <testcase name="${xmlText(k.metric)}" classname="${xmlText(classname)}" time="0">`;
  const info = `      <system-out>${xmlText(k.detail)}</system-out>`;
  if (k.outcome === 'failed')
    return [
      head,
      `      <failure message="${xmlText(k.detail)}" type="regression">${xmlText(k.detail)}</failure>`,
      info,
      '    </testcase>',
    ].join('\n');
  if (k.outcome === 'skipped')
    return [head, `      <skipped message="${xmlText(k.detail)}"/>`, info, '    </testcase>'].join('\n');
  return [head, info, '    </testcase>'].join('\n');
}

export function renderJUnit(c: RunComparison, opts: JUnitOptions): string {
  const cases = gateCases(c, opts.thresholdPct ?? c.thresholdPct);
  const timestamp = (opts.timestamp ?? new Date().toISOString()).replace(/\.\d+Z$/, '').replace(/Z$/, '');
  const suites = new Map<string, GateCase[]>();
  for (const k of cases) {
    const key = `${k.scenario}/${k.arm}`;
    suites.set(key, [...(suites.get(key) ?? []), k]);
  }
  const count = (ks: GateCase[], o: GateCase['outcome']) => ks.filter((k) => k.outcome === o).length;
  const counts = (ks: GateCase[]) =>
    `tests="${ks.length}" failures="${count(ks, 'failed')}" errors="0" skipped="${count(ks, 'skipped')}" time="0"`;
  const props = Object.entries({
    thresholdPct: String(opts.thresholdPct ?? c.thresholdPct),
    alpha: String(c.alpha),
    ...opts.properties,
  });
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${xmlText(opts.name)}" ${counts(cases)}>`,
  ];
  let id = 0;
  for (const [key, ks] of suites) {
    const classname = `kickbench.${key.replace(/\//g, '.')}`;
    lines.push(
      `  <testsuite name="${xmlText(`${opts.name}: ${key}`)}" ${counts(ks)} timestamp="${timestamp}" hostname="localhost" ` +
        `id="${id++}" package="kickbench">`,
      '    <properties>',
      ...props.map(([n, v]) => `      <property name="${xmlText(n)}" value="${xmlText(v)}"/>`),
      '    </properties>',
      ...ks.map((k) => testcase(k, classname)),
      '    <system-out/>',
      '    <system-err/>',
      '  </testsuite>',
    );
  }
  lines.push('</testsuites>');
  return lines.join('\n') + '\n';
}
