import { Chalk } from 'chalk';
import { describe, expect, it } from 'vitest';
import { TextTable } from '../../src/core/text-table.js';

// Expected texts are what cli-table3 0.6.5 printed for the same tables (compact style), which
// every view and golden file was written against.
describe('TextTable', () => {
  it('lays out colour, wide characters, alignment and an empty cell as cli-table3 did', () => {
    const red = new Chalk({ level: 1 }).red;
    const table = new TextTable(['ID', 'Name', 'N'], ['left', 'right', 'left']);
    table.push(['1', red('hello'), '']);
    table.push(['22', 'x', 'wide cell']);
    table.push(['ünï', '🙂', 'a\tb']);
    expect(table.toString()).toBe(
      '┌─────┬───────┬───────────┐\n│ ID  │  Name │ N         │\n├─────┼───────┼───────────┤\n│ 1   │ \u001b[31mhello\u001b[39m │           │\n│ 22  │     x │ wide cell │\n│ ünï │    🙂 │ a\tb        │\n└─────┴───────┴───────────┘',
    );
  });

  it('makes a row with a multi-line cell taller, and a head alone has no rule under it', () => {
    const table = new TextTable(['ID', 'Name'], ['left', 'right']);
    table.push(['1', 'two\nlines']);
    table.push(['22', 'x']);
    expect(table.toString()).toBe(
      '┌────┬───────┐\n│ ID │  Name │\n├────┼───────┤\n│ 1  │   two │\n│    │ lines │\n│ 22 │     x │\n└────┴───────┘',
    );
    expect(new TextTable(['A']).toString()).toBe('┌───┐\n│ A │\n└───┘');
  });
});
