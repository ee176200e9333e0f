// Number formatting shared by every report format (text, Markdown, HTML, charts, history).

export function fmtNum(v: number | null | undefined, digits = 3): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return 'n/a';
  const a = Math.abs(v);
  if (a >= 1000) return Math.round(v).toLocaleString('en-US');
  if (a >= 100) return v.toFixed(0);
  if (a >= 10) return v.toFixed(1);
  if (a === 0) return '0';
  return v.toPrecision(digits);
}

export function fmtPct(v: number | null | undefined, digits = 1): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return 'n/a';
  const s = v.toFixed(digits);
  return (v > 0 ? '+' : v < 0 ? '\u2212' : '') + s.replace('-', '') + '%';
}

export function fmtP(p: number | null | undefined): string {
  if (p === null || p === undefined || !Number.isFinite(p)) return 'n/a';
  if (p < 0.001) return '<0.001';
  return p.toFixed(3);
}

/** "p=0.012" or "p<0.001" */
export function pEq(p: number | null | undefined, name = 'p'): string {
  const v = fmtP(p);
  return v.startsWith('<') ? `${name}${v}` : `${name}=${v}`;
}
