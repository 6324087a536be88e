import type { HostRule } from './filter-proxy.js';

/**
 * The sandbox's side of the filtering proxy (docs/SPEC.md section 15.4): run by node inside the
 * sandbox as `node -e NET_BRIDGE_SCRIPT SOCKET COMMAND...`, it listens on a free port of the
 * sandbox's own loopback, passes each connection to the proxy's unix socket, and runs the command
 * with HTTPS_PROXY and HTTP_PROXY pointing at it; it ends with the command's exit status.
 * CommonJS, so `node -e` runs it as it is.
 */
export const NET_BRIDGE_SCRIPT = [
  "const net = require('net'), { spawn } = require('child_process'), os = require('os');",
  'const [socket, program, ...args] = process.argv.slice(1);',
  'const server = net.createServer((inside) => {',
  '  const outside = net.connect(socket);',
  '  inside.pipe(outside).pipe(inside);',
  '  inside.on("error", () => outside.destroy());',
  '  outside.on("error", () => inside.destroy());',
  '});',
  "server.listen(0, '127.0.0.1', () => {",
  "  const url = 'http://127.0.0.1:' + server.address().port;",
  '  const env = { ...process.env, HTTPS_PROXY: url, HTTP_PROXY: url, https_proxy: url, http_proxy: url };',
  "  const child = spawn(program, args, { stdio: 'inherit', env });",
  "  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(signal, () => child.kill(signal));",
  "  child.on('error', (error) => { console.error(program + ': ' + error.message); process.exit(127); });",
  "  child.on('exit', (code, signal) => process.exit(code ?? 128 + (os.constants.signals[signal] ?? 0)));",
  '});',
].join('\n');

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '::1'];

/**
 * NO_PROXY inside the sandbox: its own loopback (a test suite's local services) is reached
 * directly, unless an allowed host is a loopback name (the model API of a local test server),
 * which must go through the proxy to the host's loopback.
 */
export function noProxyFor(rules: readonly HostRule[]): string {
  return LOOPBACK_NAMES.filter((name) => !rules.some((rule) => rule.host === name)).join(',');
}
