import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir } from '../temp.js';
import type { MessagesApi } from './server.js';

/** What the real claude needs to talk to the scripted Messages API, with a private HOME and config. */
export function claudeCliEnv(api: MessagesApi): Record<string, string> {
  const home = makeTempDir('hw-claude-cli-home-');
  mkdirSync(join(home, '.claude'), { recursive: true });
  return {
    HOME: home,
    CLAUDE_CONFIG_DIR: join(home, '.claude'),
    ANTHROPIC_BASE_URL: api.url,
    ANTHROPIC_API_KEY: 'sk-ant-test-key',
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    DISABLE_TELEMETRY: '1',
    NO_COLOR: '1',
  };
}
