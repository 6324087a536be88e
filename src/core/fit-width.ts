import { TextTable, visibleWidth } from './text-table.js';

/** A table column; `drop` orders the columns given up first when the table is too wide (1 first). */
export interface FitColumn {
  readonly head: string;
  readonly drop?: number;
  /** A column that may be cut short (with …) down to this width before any column is dropped. */
  readonly minWidth?: number;
}

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*m/g;

/** The compact table style (text-table.ts): one space of padding each side and a border between columns. */
const tableWidth = (widths: readonly number[]) => widths.reduce((sum, width) => sum + width + 3, 1);

/**
 * Widths for the kept columns within `width`: the cuttable ones are cut (never below their
 * minWidth) by what the table is too wide, the last first.
 */
function cutToFit(columns: readonly FitColumn[], natural: readonly number[], kept: readonly number[], width: number): number[] {
  const widths = [...natural];
  for (const index of [...kept].reverse()) {
    const over = tableWidth(kept.map((k) => widths[k]!)) - width;
    const min = columns[index]!.minWidth;
    if (over > 0 && min !== undefined) widths[index] = Math.max(min, widths[index]! - over);
  }
  return widths;
}

/** `text` cut to `width` visible characters, the last one an ellipsis; colour is dropped from a cut cell. */
function cutCell(text: string, width: number): string {
  if (visibleWidth(text) <= width) return text;
  // Cut by columns, not characters: a wide character takes two.
  let cut = '';
  for (const char of text.replace(ANSI, '')) {
    if (visibleWidth(cut + char) > width - 1) break;
    cut += char;
  }
  return `${cut}…`;
}

/** The widest cell of each column, in one pass (no spread: a table may have 150,000 rows). */
function naturalWidths(columns: readonly FitColumn[], rows: readonly (readonly string[])[]): number[] {
  const widths = columns.map((column) => visibleWidth(column.head));
  for (const row of rows) for (const [index, cell] of row.entries()) widths[index] = Math.max(widths[index] ?? 0, visibleWidth(cell));
  return widths;
}

/**
 * A compact table no wider than `width` (undefined: as wide as it needs): cuttable columns are cut
 * short, and when that is not enough, columns are dropped in their `drop` order.
 */
export function fitTable(columns: readonly FitColumn[], rows: readonly (readonly string[])[], width: number | undefined): string {
  const natural = naturalWidths(columns, rows);
  let kept = columns.map((_, index) => index);
  let widths = natural;
  while (width !== undefined) {
    widths = cutToFit(columns, natural, kept, width);
    if (tableWidth(kept.map((index) => widths[index]!)) <= width) break;
    const droppable = kept.filter((index) => columns[index]!.drop !== undefined).sort((a, b) => columns[a]!.drop! - columns[b]!.drop!)[0];
    if (droppable === undefined) break;
    kept = kept.filter((index) => index !== droppable);
  }
  const table = new TextTable(kept.map((index) => cutCell(columns[index]!.head, widths[index]!)));
  for (const row of rows) table.push(kept.map((index) => cutCell(row[index] ?? '', widths[index]!)));
  return table.toString();
}

/** Wraps a line of text at spaces to `width` visible characters, continuation lines indented. */
export function wrapLine(line: string, width: number | undefined, indent = '    '): string[] {
  if (width === undefined || visibleWidth(line) <= width) return [line];
  const lead = /^\s*/.exec(line)![0];
  const lines: string[] = [];
  let current = lead;
  for (const word of line.slice(lead.length).split(' ')) {
    const prefix = lines.length === 0 ? lead : indent;
    if (current !== prefix && visibleWidth(`${current} ${word}`) > width) {
      lines.push(current);
      current = indent + word;
    } else {
      current = current === prefix ? `${current}${word}` : `${current} ${word}`;
    }
  }
  lines.push(current);
  // A single word longer than the line is cut: nothing else can make it fit.
  return lines.map((text) => (visibleWidth(text) > width ? `${[...text].slice(0, width - 1).join('')}…` : text));
}
