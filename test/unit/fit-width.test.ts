import { describe, expect, it } from 'vitest';
import { fitTable } from '../../src/core/fit-width.js';
import { visibleWidth } from '../../src/core/text-table.js';

describe('fitTable', () => {
  it('fits a table whose cells hold wide characters (two columns each) into the width, cutting them by columns', () => {
    const columns = [{ head: 'ID' }, { head: 'Last error', minWidth: 10 }];
    const table = fitTable(columns, [['1', '修复失败：'.repeat(20)]], 40);
    const lines = table.split('\n');
    expect(lines.filter((line) => visibleWidth(line) > 40)).toEqual([]);
    expect(table).toContain('…');
  });
});
