import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { buildWorkerCommand, LEAN_NODE_FLAGS, PANE_WRAPPER } from '../../src/manager/worker-command.js';

describe('the worker command', () => {
  it("gives this node flags it accepts silently, with WebAssembly still there (fetch's HTTP parser needs it)", () => {
    const script = 'WebAssembly.compile(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0])).then(() => process.stdout.write("ok"))';
    const run = spawnSync(process.execPath, [...LEAN_NODE_FLAGS, '-e', script], { encoding: 'utf8' });
    expect({ status: run.status, stdout: run.stdout, stderr: run.stderr }).toEqual({ status: 0, stdout: 'ok', stderr: '' });
  });

  it('puts the flags between node and the worker launcher', () => {
    const command = buildWorkerCommand(
      { nodePath: '/usr/bin/node', nodeFlags: ['--no-opt'], workerBin: '/opt/hw/bin/worker.js', cwd: '/repo', env: {} },
      3,
    );
    expect(command.argv).toEqual([...PANE_WRAPPER, '/usr/bin/node', '--no-opt', '/opt/hw/bin/worker.js', '3']);
    expect(command.env).toEqual({ WORKER_ID: '3' });
  });
});
