import { createServer } from 'node:net';
import { afterThisTest } from './after-test.js';

/** A TCP server on 127.0.0.1 that counts who reached it; closed after the test. */
export async function countingServer(): Promise<{ port: number; connections: () => number }> {
  let connections = 0;
  const server = createServer((socket) => {
    connections += 1;
    socket.end();
  });
  afterThisTest(() => server.close());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return { port: typeof address === 'object' && address ? address.port : 0, connections: () => connections };
}
