// What making and removing files costs on a file system, as the store's locks do it: each lock is
// a directory with an owner file renamed into place and removed after (two new inodes), against a
// lock made of one file linked into place (one). On ext4 without a journal each new inode skips
// every inode freed in the last minutes whose table block is still dirty (the kernel's
// recently_deleted()), so the cost grows with recent deletions (docs/PERFORMANCE.md, "The fifth
// round"). Prints the system CPU time per lock, batch by batch, in each directory given.
// Usage: node scripts/bench/inode-churn.mjs [DIR...]   (default: the temp directory, and /dev/shm)
import { existsSync, linkSync, mkdirSync, mkdtempSync, renameSync, rmdirSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const BATCHES = 5;
const PER_BATCH = 2000;
const owner = JSON.stringify({ pid: process.pid, start: '1', host: 'bench', token: 'x', since: 0 });

const shapes = {
  'directory + owner file': (dir, name) => {
    const prepared = join(dir, `.state.json.lock.${name}`);
    const lock = join(dir, 'state.json.lock');
    mkdirSync(prepared);
    writeFileSync(join(prepared, 'owner'), owner, { flag: 'wx' });
    renameSync(prepared, lock);
    unlinkSync(join(lock, 'owner'));
    rmdirSync(lock);
  },
  'one linked file': (dir, name) => {
    const prepared = join(dir, `.state.json.lock.${name}`);
    const lock = join(dir, 'state.json.lock');
    writeFileSync(prepared, owner, { flag: 'wx' });
    linkSync(prepared, lock);
    unlinkSync(prepared);
    unlinkSync(lock);
  },
};

const dirs = process.argv.length > 2 ? process.argv.slice(2) : [tmpdir(), ...(existsSync('/dev/shm') ? ['/dev/shm'] : [])];
console.log(`system CPU time per lock taken and released, ${BATCHES} batches of ${PER_BATCH}, alternating the shapes`);
for (const parent of dirs) {
  const dir = mkdtempSync(join(parent, 'hw-bench-inodes-'));
  const perShape = Object.fromEntries(Object.keys(shapes).map((shape) => [shape, []]));
  try {
    for (let batch = 0; batch < BATCHES; batch += 1)
      for (const [shape, take] of Object.entries(shapes)) {
        const before = process.cpuUsage();
        for (let index = 0; index < PER_BATCH; index += 1) take(dir, `${batch}.${index}`);
        perShape[shape].push(process.cpuUsage(before).system / PER_BATCH);
      }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  for (const [shape, values] of Object.entries(perShape)) {
    const sorted = [...values].sort((a, b) => a - b);
    console.log(
      `  ${parent}, ${shape}: median ${sorted[Math.floor(sorted.length / 2)].toFixed(0)} µs (batches: ${values.map((v) => v.toFixed(0)).join(', ')})`,
    );
  }
}
