import { describe, expect, it } from 'vitest';
import {
  renderCrontabLines,
  renderServiceUnit,
  renderShellEnvironment,
  renderSystemdEnvironment,
  serviceName,
  userUnitDir,
} from '../../src/setup/service-unit.js';

const spec = {
  repository: '/home/u/my repo%1',
  dataRoot: '/home/u/.claude/workers',
  nodePath: '/opt/node $x/bin/node',
  managerBin: '/opt/hw/bin/worker-manager.js',
  env: { CLAUDE_WORKERS_HOME: '/home/u/.claude/workers', WORKER_AGENT_CMD: 'agent --say "hi" \\ 100% $HOME' },
};

describe('the boot service unit and crontab lines', () => {
  it('escapes specifiers, quotes, backslashes and (in the command line) dollars', () => {
    const unit = renderServiceUnit(spec).split('\n');
    expect(unit).toContain('WorkingDirectory=/home/u/my repo%%1');
    expect(unit).toContain('Environment="CLAUDE_WORKERS_HOME=/home/u/.claude/workers"');
    expect(unit).toContain('EnvironmentFile=/home/u/.claude/workers/service.env');
    expect(unit).toContain('ExecStart="/opt/node $$x/bin/node" "/opt/hw/bin/worker-manager.js" "ensure" "--foreground"');
  });

  it('keeps the settings (secrets, line breaks) out of the unit and the crontab lines, in environment files quoted whole', () => {
    const env = {
      NOTIFY_WEBHOOK_URL: 'https://hooks.slack.invalid/T0/B0/secret',
      CLAUDE_PROMPT_TEMPLATE: 'Work on {issue}.\nExecStartPre=/bin/touch /tmp/pwned\n* * * * * rm -rf ~ "$x" `y` \\ it\'s',
    };
    const unit = renderServiceUnit({ ...spec, env });
    const crontab = renderCrontabLines({ ...spec, env }, '/l').join('\n');
    for (const text of [unit, crontab]) {
      expect(text).not.toContain('secret');
      expect(text).not.toContain('pwned');
    }
    expect(unit.split('\n').filter((line) => line.startsWith('ExecStart'))).toHaveLength(1);
    expect(crontab.split('\n')).toHaveLength(2);
    expect(renderSystemdEnvironment(env)).toBe(
      'NOTIFY_WEBHOOK_URL="https://hooks.slack.invalid/T0/B0/secret"\n' +
        'CLAUDE_PROMPT_TEMPLATE="Work on {issue}.\nExecStartPre=/bin/touch /tmp/pwned\n* * * * * rm -rf ~ \\"\\$x\\" \\`y\\` \\\\ it\'s"\n',
    );
    expect(renderShellEnvironment(env)).toContain("export CLAUDE_PROMPT_TEMPLATE='Work on {issue}.\nExecStartPre=");
    expect(() => renderServiceUnit({ ...spec, repository: '/home/u/a\nExecStartPre=/x' })).toThrow(
      /^The path "\/home\/u\/a\\nExecStartPre=\/x" holds a line break or another control character; a service cannot run from it\.$/,
    );
  });

  it('names one unit per data root, readable by the repository name', () => {
    expect(serviceName(spec)).toMatch(/^hybrid-workers-my-repo-1-[0-9a-f]{8}\.service$/);
    expect(serviceName({ ...spec, dataRoot: '/elsewhere' })).not.toBe(serviceName(spec));
    expect(serviceName({ ...spec, repository: '/' })).toMatch(/^hybrid-workers-repo-/);
  });

  it('puts the unit under XDG_CONFIG_HOME when set, else ~/.config', () => {
    expect(userUnitDir({ XDG_CONFIG_HOME: '/x' }, '/home/u')).toBe('/x/systemd/user');
    expect(userUnitDir({ XDG_CONFIG_HOME: '' }, '/home/u')).toBe('/home/u/.config/systemd/user');
  });

  it('crontab lines quote every word for sh and escape % for cron', () => {
    const [reboot, periodic] = renderCrontabLines(spec, '/home/u/.claude/workers/service.log');
    expect(reboot).toBe(
      `@reboot cd '/home/u/my repo\\%1' && . '/home/u/.claude/workers/service-env.sh' && '/opt/node $x/bin/node' '/opt/hw/bin/worker-manager.js' 'ensure' >>'/home/u/.claude/workers/service.log' 2>&1`,
    );
    expect(periodic).toBe(reboot!.replace('@reboot', '*/5 * * * *'));
  });
});
