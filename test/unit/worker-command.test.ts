import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { buildWorkerCommand, PANE_WRAPPER, leanNodeFlags } from '../../src/manager/worker-command.js';

describe('the worker command', () => {
  it('starts node in lite mode, naming WebAssembly off where V8 would warn about it', () => {
    expect(leanNodeFlags('11.3.244.8-node.33')).toEqual(['--lite-mode', '--no-expose-wasm']);
    expect(leanNodeFlags('14.1.146.11-node.14')).toEqual(['--lite-mode']);
  });

  it("gives this node flags it accepts silently (a warning would show in every worker's pane)", () => {
    const run = spawnSync(process.execPath, [...leanNodeFlags(process.versions.v8), '-e', 'process.stdout.write("ok")'], {
      encoding: 'utf8',
    });
    expect({ status: run.status, stdout: run.stdout, stderr: run.stderr }).toEqual({ status: 0, stdout: 'ok', stderr: '' });
  });

  it('puts the flags between node and the worker launcher', () => {
    const command = buildWorkerCommand(
      { nodePath: '/usr/bin/node', nodeFlags: ['--lite-mode'], workerBin: '/opt/hw/bin/worker.js', cwd: '/repo', env: {} },
      3,
    );
    expect(command.argv).toEqual([...PANE_WRAPPER, '/usr/bin/node', '--lite-mode', '/opt/hw/bin/worker.js', '3']);
    expect(command.env).toEqual({ WORKER_ID: '3' });
  });
});
