import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { countToolResults, type MessagesRequestBody, type Script, type ScriptedAnswer } from './script.js';
import { jsonBody, sseBody } from './sse.js';

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: MessagesRequestBody | undefined;
  readonly status: number;
}

export interface MessagesApi {
  /** `http://127.0.0.1:<port>`, for ANTHROPIC_BASE_URL. */
  readonly url: string;
  /** Every request received, in order, with the status it was answered with. */
  readonly requests: readonly RecordedRequest[];
  /** Requests to `POST /v1/messages` only. */
  messageRequests(): RecordedRequest[];
  /** Swaps the script, e.g. to let a retry succeed after failures. */
  setScript(script: Script): void;
  close(): Promise<void>;
}

const MODEL = 'claude-sonnet-4-5';

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': 'application/json', 'request-id': 'req_scripted', ...headers });
  response.end(JSON.stringify(body));
}

function answerMessages(response: ServerResponse, answer: ScriptedAnswer, body: MessagesRequestBody, index: number): number {
  // Recorded with status 0; the connection is dropped when the server closes.
  if (answer.kind === 'hold') return 0;
  if (answer.kind === 'error') {
    sendJson(response, answer.status, { type: 'error', error: { type: answer.errorType, message: answer.message } }, { ...answer.headers });
    return answer.status;
  }
  const message = {
    id: `msg_scripted_${index}`,
    model: body.model ?? MODEL,
    content: answer.content,
    inputTokens: answer.usage?.input ?? 11,
    outputTokens: answer.usage?.output ?? 7,
  };
  if (body.stream === true) {
    response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'request-id': 'req_scripted' });
    response.end(sseBody(message));
  } else {
    sendJson(response, 200, jsonBody(message));
  }
  return 200;
}

/**
 * A scripted stand-in for the Anthropic Messages API on 127.0.0.1 and a random port: what
 * `claude -p` needs (docs/CLAUDE-CODE.md section 9) and nothing more. Every `POST /v1/messages` is answered by
 * the script; `count_tokens` gets a fixed count; anything else is 404.
 */
export async function startMessagesApi(initialScript: Script): Promise<MessagesApi> {
  let script = initialScript;
  const requests: RecordedRequest[] = [];
  let messageIndex = 0;
  const server = createServer((request, response) => {
    void (async () => {
      const raw = await readBody(request);
      let body: MessagesRequestBody | undefined;
      try {
        body = raw === '' ? undefined : (JSON.parse(raw) as MessagesRequestBody);
      } catch {
        body = undefined;
      }
      const path = (request.url ?? '/').split('?')[0]!;
      let status: number;
      if (request.method === 'POST' && path === '/v1/messages/count_tokens') {
        sendJson(response, 200, { input_tokens: 11 });
        status = 200;
      } else if (request.method === 'POST' && path === '/v1/messages') {
        const index = messageIndex++;
        const parsed = body ?? {};
        status = answerMessages(response, script({ index, body: parsed, toolResults: countToolResults(parsed) }), parsed, index);
      } else {
        sendJson(response, 404, { type: 'error', error: { type: 'not_found_error', message: `no route ${path}` } });
        status = 404;
      }
      requests.push({ method: request.method ?? '', path, headers: request.headers, body, status });
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    messageRequests: () => requests.filter((entry) => entry.path === '/v1/messages'),
    setScript(next) {
      script = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
