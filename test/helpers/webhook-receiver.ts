import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterThisTest } from './after-test.js';

export interface WebhookReceiver {
  readonly url: string;
  /** Every request's status and parsed body, in order. */
  readonly requests: { status: number; body: Record<string, unknown> }[];
  /** The bodies answered 200. */
  accepted(): Record<string, unknown>[];
}

/** A webhook on 127.0.0.1 that answers 500 to its first `failFirst` requests and 200 after. */
export async function startWebhookReceiver(failFirst = 0): Promise<WebhookReceiver> {
  const requests: WebhookReceiver['requests'] = [];
  const server = createServer((request, response) => {
    let text = '';
    request.on('data', (chunk) => (text += String(chunk)));
    request.on('end', () => {
      const status = requests.length < failFirst ? 500 : 200;
      requests.push({ status, body: JSON.parse(text) as Record<string, unknown> });
      response.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  afterThisTest(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    requests,
    accepted: () => requests.filter((request) => request.status === 200).map((request) => request.body),
  };
}
