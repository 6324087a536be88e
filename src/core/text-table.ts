import stringWidth from 'string-width';

export type Align = 'left' | 'right';

/** Columns on a terminal: colour codes take none, wide characters two; plain ASCII is its length. */
export const visibleWidth = (text: string) => (/^[\x20-\x7e]*$/.test(text) ? text.length : stringWidth(text));

/**
 * A boxed table in the layout of cli-table3's compact style (a rule under the head, none between
 * rows), built in one linear pass: cli-table3 lays out every cell against every other and pushes
 * rows as spread arguments, so 10,000 workers took a minute and 150,000 overflowed the stack.
 */
export class TextTable {
  private readonly rows: string[][] = [];

  constructor(
    private readonly head: readonly string[],
    private readonly align: readonly Align[] = [],
  ) {}

  push(row: readonly string[]): void {
    this.rows.push([...row]);
  }

  toString(): string {
    const widths = this.head.map((cell) => visibleWidth(cell));
    // Cells split into lines once; a cell with a newline makes its row taller.
    const split = (row: readonly string[]) => row.map((cell) => cell.split('\n'));
    const head = split(this.head);
    const rows = this.rows.map(split);
    for (const row of [head].concat(rows)) {
      for (const [column, lines] of row.entries()) {
        for (const line of lines) widths[column] = Math.max(widths[column] ?? 0, visibleWidth(line));
      }
    }
    const rule = (left: string, middle: string, right: string) => `${left}${widths.map((w) => '─'.repeat(w + 2)).join(middle)}${right}`;
    const out = [rule('┌', '┬', '┐'), ...this.renderRow(head, widths)];
    if (rows.length > 0) out.push(rule('├', '┼', '┤'));
    for (const row of rows) for (const line of this.renderRow(row, widths)) out.push(line);
    out.push(rule('└', '┴', '┘'));
    return out.join('\n');
  }

  private renderRow(row: readonly string[][], widths: readonly number[]): string[] {
    const height = row.reduce((most, lines) => Math.max(most, lines.length), 1);
    const lines: string[] = [];
    for (let index = 0; index < height; index += 1) {
      const cells = widths.map((w, column) => {
        const text = row[column]?.[index] ?? '';
        const padding = ' '.repeat(Math.max(0, w - visibleWidth(text)));
        return ` ${this.align[column] === 'right' ? padding + text : text + padding} `;
      });
      lines.push(`│${cells.join('│')}│`);
    }
    return lines;
  }
}
