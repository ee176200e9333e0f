// Plain-text and Markdown tables. Colour, when wanted, is applied after
// padding so escape codes never break the alignment.

export type Align = 'left' | 'right';

/** `n` columns of one alignment: a table's alignment list is spelled as runs of these. */
export function columns(n: number, align: Align): Align[] {
  return Array<Align>(n).fill(align);
}

export interface TableOptions {
  align?: Align[];
  /** wrap a cell's padded text (e.g. in colour codes); never changes its width */
  decorate?: (text: string, row: number, col: number) => string;
  indent?: string;
}

const width = (s: string) => [...s].length;

function pad(s: string, w: number, a: Align): string {
  const fill = ' '.repeat(Math.max(0, w - width(s)));
  return a === 'right' ? fill + s : s + fill;
}

export function textTable(header: string[], rows: string[][], opts: TableOptions = {}): string {
  const cols = header.length;
  const widths = header.map((h, c) => Math.max(width(h), ...rows.map((r) => width(r[c] ?? ''))));
  const align = (c: number): Align => opts.align?.[c] ?? (c === 0 ? 'left' : 'right');
  const indent = opts.indent ?? '';
  const line = (cells: string[], r: number) =>
    indent +
    cells
      .slice(0, cols)
      .map((cell, c) => {
        // The last column is never padded on the right, so colour codes cannot hide trailing spaces.
        const padded = c === cols - 1 && align(c) === 'left' ? (cell ?? '') : pad(cell ?? '', widths[c], align(c));
        return r >= 0 && opts.decorate ? opts.decorate(padded, r, c) : padded;
      })
      .join('  ')
      .trimEnd();
  const rule = indent + widths.map((w) => '-'.repeat(w)).join('  ');
  return [line(header, -1), rule, ...rows.map((r, i) => line(r, i))].join('\n') + '\n';
}

export function mdEscape(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function mdTable(header: string[], rows: string[][], align?: Align[]): string {
  const a = (c: number): Align => align?.[c] ?? (c === 0 ? 'left' : 'right');
  const head = `| ${header.map(mdEscape).join(' | ')} |`;
  const rule = `|${header.map((_, c) => (a(c) === 'right' ? '---:' : ':---')).join('|')}|`;
  const body = rows.map((r) => `| ${r.map(mdEscape).join(' | ')} |`);
  return [head, rule, ...body].join('\n') + '\n';
}

/** ANSI colours; only used when the caller asks (a TTY). */
export const ansi = {
  red: (s: string) => `\x1b[31m${s}\x1b[0m`,
  green: (s: string) => `\x1b[32m${s}\x1b[0m`,
  yellow: (s: string) => `\x1b[33m${s}\x1b[0m`,
  bold: (s: string) => `\x1b[1m${s}\x1b[0m`,
  boldRed: (s: string) => `\x1b[1;31m${s}\x1b[0m`,
  dim: (s: string) => `\x1b[2m${s}\x1b[0m`,
};
