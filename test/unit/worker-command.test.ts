import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { CARRIED_NAME, restoreExtraCaCerts } from '../../src/core/extra-ca-certs.js';
import { buildWorkerCommand, leanCertificateEnv, LEAN_NODE_FLAGS, PANE_WRAPPER } from '../../src/manager/worker-command.js';

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

describe('the extra CA certificates of a worker and the manager', () => {
  const env = { NODE_EXTRA_CA_CERTS: '/etc/corp/ca.pem', PATH: '/usr/bin' };
  const settings = { WORKER_BACKEND: 'embedded', NOTIFY_WEBHOOK_URL: '' } as const;

  it('starts them without the certificates, carried for their children, unless they open TLS connections themselves', () => {
    expect(leanCertificateEnv(env, settings)).toEqual({ NODE_EXTRA_CA_CERTS: '', [CARRIED_NAME]: '/etc/corp/ca.pem' });
    expect(leanCertificateEnv(env, { ...settings, NOTIFY_WEBHOOK_URL: 'http://127.0.0.1:9/hook' })).toEqual({
      NODE_EXTRA_CA_CERTS: '',
      [CARRIED_NAME]: '/etc/corp/ca.pem',
    });
    expect(leanCertificateEnv(env, { ...settings, WORKER_BACKEND: 'postgres' })).toEqual({});
    expect(leanCertificateEnv(env, { ...settings, NOTIFY_WEBHOOK_URL: 'HTTPS://hooks.example.com/x' })).toEqual({});
    expect(leanCertificateEnv({ PATH: '/usr/bin' }, settings)).toEqual({});
    expect(leanCertificateEnv({ NODE_EXTRA_CA_CERTS: '' }, settings)).toEqual({});
  });

  it('gives the variable back as it was, and leaves an environment without it alone', () => {
    const started: NodeJS.ProcessEnv = { PATH: '/usr/bin', ...leanCertificateEnv(env, settings) };
    restoreExtraCaCerts(started);
    expect(started).toEqual(env);
    const plain: NodeJS.ProcessEnv = { PATH: '/usr/bin' };
    restoreExtraCaCerts(plain);
    expect(plain).toEqual({ PATH: '/usr/bin' });
  });

  it('an empty NODE_EXTRA_CA_CERTS starts this node silently', () => {
    const run = spawnSync(process.execPath, ['-e', 'process.stdout.write("ok")'], {
      encoding: 'utf8',
      env: { ...process.env, NODE_EXTRA_CA_CERTS: '' },
    });
    expect({ status: run.status, stdout: run.stdout, stderr: run.stderr }).toEqual({ status: 0, stdout: 'ok', stderr: '' });
  });
});
