import type { ServerResponse } from 'node:http';

const KEEPALIVE_MS = 15_000;

/** The open `/events` streams; each gets every `state` event, and a comment now and then so proxies keep it open. */
export class SseHub {
  private readonly clients = new Set<ServerResponse>();
  private readonly keepalive: NodeJS.Timeout;

  constructor() {
    this.keepalive = setInterval(() => this.write(': keepalive\n\n'), KEEPALIVE_MS);
    this.keepalive.unref();
  }

  get size(): number {
    return this.clients.size;
  }

  add(response: ServerResponse, first: string | null): void {
    response.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    response.write('retry: 1000\n\n');
    if (first !== null) response.write(stateEvent(first));
    this.clients.add(response);
    response.on('close', () => this.clients.delete(response));
  }

  broadcast(json: string): void {
    this.write(stateEvent(json));
  }

  close(): void {
    clearInterval(this.keepalive);
    for (const client of this.clients) client.end();
    this.clients.clear();
  }

  private write(text: string): void {
    for (const client of this.clients) client.write(text);
  }
}

const stateEvent = (json: string) => `event: state\ndata: ${json}\n\n`;
