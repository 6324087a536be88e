import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { removeLeftoverTemps } from '../../src/core/leftover-temps.js';
import { dataPaths } from '../../src/core/paths.js';
import { makeTempDir } from '../helpers/temp.js';

describe('leftover temp files', () => {
  it('removes the temp files of writers that are gone and keeps those of live writers and everything else', () => {
    const paths = dataPaths(makeTempDir());
    const runs = join(paths.queueDir, 'runs');
    mkdirSync(runs, { recursive: true });
    mkdirSync(paths.healthDir);
    const dead = spawnSync(process.execPath, ['-e', '']).pid!;
    const alive = process.ppid;
    const files = {
      [join(runs, `abc.result.json.${dead}.tmp`)]: false,
      [join(runs, `abc.pid.json.${alive}.tmp`)]: true,
      [join(runs, 'abc.result.json')]: true,
      [join(paths.healthDir, `.metrics.json.${dead}.mf3k2.4.tmp`)]: false,
      [join(paths.healthDir, `.metrics.json.${dead}.mf3k2.4.old`)]: false,
      [join(paths.healthDir, `.metrics.json.${alive}.mf3k2.5.tmp`)]: true,
      [join(paths.healthDir, 'metrics.json')]: true,
    };
    for (const file of Object.keys(files)) writeFileSync(file, '');
    expect(removeLeftoverTemps(paths)).toBe(3);
    const left = [
      ...readdirSync(runs).map((name) => join(runs, name)),
      ...readdirSync(paths.healthDir).map((name) => join(paths.healthDir, name)),
    ];
    expect(left.sort()).toEqual(
      Object.keys(files)
        .filter((file) => files[file])
        .sort(),
    );
  });
});
