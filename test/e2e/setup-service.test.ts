import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { processesMentioning } from '../helpers/process-scan.js';
import { describeWith } from '../helpers/requires.js';
import { runBin } from '../helpers/run-bin.js';
import { makeTempDir } from '../helpers/temp.js';
import { killTmuxServer, makeTmuxSocket } from '../helpers/tmux-server.js';
import { waitFor } from '../helpers/wait-for.js';
import { makeWorkerBench } from '../helpers/worker-harness.js';

const systemdRunning = existsSync('/run/systemd/system');
const hasSystemdAnalyze = spawnSync('systemd-analyze', ['--version'], { stdio: 'ignore' }).status === 0;

/**
 * `systemd-analyze verify` checks the file itself (sections, keys, quoting, an executable
 * ExecStart) without a running systemd; anything it says, even a warning, is a defect. Without it,
 * every line must at least be a section, a comment or a known key.
 */
function expectValidUnit(file: string): void {
  if (hasSystemdAnalyze) {
    const verify = spawnSync('systemd-analyze', ['verify', file], { encoding: 'utf8', timeout: 60_000 });
    expect({ status: verify.status, stderr: verify.stderr.trim() }).toEqual({ status: 0, stderr: '' });
    return;
  }
  const keys = /^(Description|Type|WorkingDirectory|Environment|EnvironmentFile|ExecStart|Restart|RestartSec|KillMode|WantedBy)=\S/;
  for (const line of readFileSync(file, 'utf8').split('\n'))
    expect(line, file).toMatch(/^$|^\[(Unit|Service|Install)\]$/.source + '|' + keys.source);
}

describeWith(['git', 'tmux'], 'setup-hybrid-enhanced --install-service / --uninstall-service', () => {
  it('writes a valid user unit with the repository and data root baked in, prints the crontab lines where systemd is absent, and removes it', async () => {
    const bench = await makeWorkerBench('embedded');
    const userHome = makeTempDir('hw-user-');
    const socket = makeTmuxSocket();
    const env = {
      ...bench.env,
      HOME: userHome,
      XDG_CONFIG_HOME: '',
      WORKERS_TMUX_SOCKET: socket,
      WORKERS_SESSION: 'hw-workers',
      MONITOR_SESSION: 'hw-monitor',
      NOTIFY_WEBHOOK_URL: 'http://127.0.0.1:9/hooks/secret-token',
      CLAUDE_PROMPT_TEMPLATE: 'Work on {issue}.\nExecStartPre=/bin/touch /tmp/pwned\nit\'s "$HOME" `x` \\ 100%',
    };
    const setup = (...args: string[]) => runBin('setup-hybrid-enhanced', args, { home: bench.home, cwd: bench.repo, env });
    try {
      const installed = await setup('--install-service');
      expect(installed.exitCode, installed.stderr).toBe(0);
      const unitDir = join(userHome, '.config', 'systemd', 'user');
      const [name] = readdirSync(unitDir);
      expect(name).toMatch(/^hybrid-workers-[A-Za-z0-9_-]+-[0-9a-f]{8}\.service$/);
      const file = join(unitDir, name!);
      expect(installed.stdout).toContain(`Wrote the systemd user unit ${file}`);
      expect(installed.stdout).toMatch(/No pool size is recorded yet/);
      const unit = readFileSync(file, 'utf8');
      expect(unit).toContain(`WorkingDirectory=${bench.repo}\n`);
      expect(unit).toContain(`Environment="CLAUDE_WORKERS_HOME=${bench.home}"\n`);
      // Settings, secrets among them, are in the data root's 0600 files, never in the 0644 unit.
      expect(unit).toContain(`EnvironmentFile=${join(bench.home, 'service.env')}\n`);
      expect(unit).not.toContain('secret-token');
      expect(unit).not.toContain('pwned');
      for (const envFile of ['service.env', 'service-env.sh']) expect(statSync(join(bench.home, envFile)).mode & 0o777).toBe(0o600);
      expect(readFileSync(join(bench.home, 'service.env'), 'utf8')).toContain(`WORKERS_TMUX_SOCKET="${socket}"\n`);
      const sourced = spawnSync('/bin/sh', ['-c', `. '${join(bench.home, 'service-env.sh')}' && printf %s "$CLAUDE_PROMPT_TEMPLATE"`], {
        encoding: 'utf8',
      });
      expect(sourced.stdout).toBe(env.CLAUDE_PROMPT_TEMPLATE);
      expect(unit).toMatch(/\nExecStart="[^"]+node[^"]*" "[^"]+\/bin\/worker-manager\.js" "ensure" "--foreground"\n/);
      expect(unit).toMatch(/\nRestart=on-failure\n[^]*\nKillMode=process\n[^]*\[Install\]\nWantedBy=default\.target\n/);
      expectValidUnit(file);

      if (systemdRunning) {
        expect(installed.stdout).toContain(`systemctl --user enable --now ${name}`);
      } else {
        // The printed @reboot line is a working command: run as cron would, it brings up the pool.
        const reboot = installed.stdout.split('\n').find((line) => line.startsWith('@reboot '));
        expect(installed.stdout).toMatch(/\n\*\/5 \* \* \* \* cd /);
        expect(installed.stdout).not.toContain('secret-token');
        expect(installed.stdout).not.toContain('pwned');
        const ran = spawnSync('/bin/sh', ['-c', reboot!.slice('@reboot '.length)], {
          encoding: 'utf8',
          timeout: 120_000,
          env: { PATH: process.env.PATH },
        });
        expect(ran.status, ran.stderr).toBe(0);
        expect(readFileSync(join(bench.home, 'service.log'), 'utf8')).toMatch(/Manager started in tmux session hw-monitor/);
      }

      const removed = await setup('--uninstall-service');
      expect(removed.exitCode, removed.stderr).toBe(0);
      expect(removed.stdout).toContain(`Removed ${file}.`);
      expect(existsSync(file)).toBe(false);
      expect((await setup('--uninstall-service')).stdout).toMatch(/No service is installed for this pool/);
      const both = await setup('--install-service', '--uninstall-service');
      expect({ exitCode: both.exitCode, stderr: both.stderr.trim() }).toEqual({
        exitCode: 2,
        stderr: 'setup-hybrid-enhanced: Use either --install-service or --uninstall-service, not both.',
      });
    } finally {
      await runBin('worker-manager', ['shutdown'], { home: bench.home, cwd: bench.repo, env });
      await killTmuxServer(socket);
    }
    await waitFor(() => processesMentioning(bench.home).length === 0, { timeoutMs: 20_000, what: 'no process of the pool left' });
  }, 300_000);
});
