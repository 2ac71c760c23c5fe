import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy in front of a real server (Redis, PostgreSQL) that injects the faults a client meets:
 * - `down()`: the listener closes and every connection is cut (the server crashed or was stopped;
 *   new connections are refused);
 * - `freeze()`: connections stay open but nothing is forwarded any more (a frozen process: SIGSTOP, a
 *   hung host); new connections are accepted and never answered;
 * - `up()` / `thaw()`: back to normal, on the same port, so clients reconnect by themselves.
 */
export class TcpFaultProxy {
  port = 0;
  #server: Server | undefined;
  readonly #sockets = new Set<Socket>();
  #frozen = false;

  constructor(readonly targetPort: number) {}

  async start(): Promise<number> {
    await this.up();
    return this.port;
  }

  async up(): Promise<void> {
    const server = createServer((client) => this.#accept(client));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as { port: number }).port;
    this.#server = server;
  }

  async down(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    for (const s of this.#sockets) s.destroy();
    this.#sockets.clear();
    if (server) await new Promise((r) => server.close(r));
  }

  freeze(): void {
    this.#frozen = true;
  }

  thaw(): void {
    this.#frozen = false;
    for (const s of this.#sockets) s.emit('thaw');
  }

  #accept(client: Socket): void {
    const upstream = connect(this.targetPort, '127.0.0.1');
    this.#sockets.add(client);
    this.#sockets.add(upstream);
    const pipe = (from: Socket, to: Socket) => {
      const held: Buffer[] = [];
      from.on('data', (chunk: Buffer) => {
        if (this.#frozen) held.push(chunk);
        else to.write(chunk);
      });
      from.on('thaw', () => {
        for (const chunk of held.splice(0)) to.write(chunk);
      });
    };
    pipe(client, upstream);
    pipe(upstream, client);
    const close = () => {
      client.destroy();
      upstream.destroy();
      this.#sockets.delete(client);
      this.#sockets.delete(upstream);
    };
    client.on('close', close);
    upstream.on('close', close);
    client.on('error', close);
    upstream.on('error', close);
  }
}
