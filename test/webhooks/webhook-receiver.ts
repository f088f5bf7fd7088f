import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

/** A webhook as the receiver got it, after `standardwebhooks` verified its signature. */
export interface ReceivedWebhook {
  id: string;
  timestamp: number;
  payload: { id: string; type: string; timestamp: string; data: Record<string, any> };
}

/**
 * A local webhook receiver that verifies every delivery with the
 * `standardwebhooks` library, as a customer's server would. Deliveries that
 * fail verification are answered 400 and counted in `rejected`. It can be
 * stopped and started again on the same port (a receiver that is down).
 */
export class WebhookReceiver {
  readonly received: ReceivedWebhook[] = [];
  readonly rejected: Array<{ headers: IncomingMessage['headers']; body: string; reason: string }> = [];
  /** Answer with this status instead of 2xx (a receiver that is up but failing). */
  failWith: number | null = null;
  private server: Server | null = null;
  private verifier: Webhook | null = null;

  private constructor(public port: number) {}

  /** Starts on `port` (0 for a free one). */
  static async start(port = 0): Promise<WebhookReceiver> {
    const receiver = new WebhookReceiver(port);
    await receiver.listen();
    return receiver;
  }

  /** A free port with nothing listening on it: a receiver that is down, to start later with `startOn`. */
  static async freePort(): Promise<number> {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as AddressInfo;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    return port;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/hooks`;
  }

  /** The endpoint's signing secret, known once the endpoint is created. */
  useSecret(secret: string): void {
    this.verifier = new Webhook(secret);
  }

  async listen(): Promise<void> {
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        if (this.failWith !== null) {
          response.writeHead(this.failWith).end('failing on purpose');
          return;
        }
        try {
          if (!this.verifier) throw new Error('no secret yet');
          const payload = this.verifier.verify(body, request.headers as Record<string, string>) as ReceivedWebhook['payload'];
          this.received.push({ id: String(request.headers['webhook-id']), timestamp: Number(request.headers['webhook-timestamp']), payload });
          response.writeHead(204).end();
        } catch (error) {
          this.rejected.push({ headers: request.headers, body, reason: (error as Error).message });
          response.writeHead(400).end('bad signature');
        }
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  ofType(type: string): ReceivedWebhook[] {
    return this.received.filter((webhook) => webhook.payload.type === type);
  }

  /** Waits until `predicate` holds (polling), or fails after `timeoutMs` with `what`. */
  async waitFor(predicate: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
    await waitUntil(predicate, what, timeoutMs);
  }
}

export async function waitUntil(predicate: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await predicate()) return;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}.`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
