import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Writes a Pueue config whose daemon keeps everything (state, socket, pid, secret) inside `dir`,
 * so a demo or a test never touches the user's own daemon (docs/PUEUE.md section 3). The socket
 * path must stay under ~108 bytes: keep `dir` short. Returns the config path for `pueue -c`.
 */
export function writeIsolatedPueueConfig(dir: string): string {
  const configPath = join(dir, 'pueue.yml');
  writeFileSync(
    configPath,
    [
      'shared:',
      `  pueue_directory: ${dir}`,
      `  runtime_directory: ${dir}`,
      `  unix_socket_path: ${dir}/pueue.sock`,
      `  pid_path: ${dir}/pueue.pid`,
      `  alias_file: ${dir}/pueue_aliases.yml`,
      `  shared_secret_path: ${dir}/shared_secret`,
      '  use_unix_socket: true',
      '  host: "127.0.0.1"',
      '  port: "6924"',
      'client:',
      '  read_local_logs: true',
      '  show_confirmation_questions: false',
      '  restart_in_place: false',
      'daemon:',
      '  pause_group_on_failure: false',
      '  pause_all_on_failure: false',
      '  callback_log_lines: 10',
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  return configPath;
}
