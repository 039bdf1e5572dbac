import { createConnection, createServer, type Server, type Socket } from 'node:net';

/**
 * A load balancer reduced to what tests need: forwards every connection to one target port, and
 * `switchTo` moves to another, cutting the open connections (as when the pod behind a stream dies
 * or the balancer rebalances). Always `close()` it in afterAll/finally.
 */
export class TcpSwitch {
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    private target: number,
  ) {
    server.on('connection', (client) => {
      const upstream = createConnection({ host: '127.0.0.1', port: this.target });
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on('close', () => this.sockets.delete(socket));
        socket.on('error', () => undefined);
      }
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
      client.pipe(upstream).pipe(client);
    });
  }

  static async start(target: number): Promise<TcpSwitch> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return new TcpSwitch(server, target);
  }

  get port(): number {
    return (this.server.address() as { port: number }).port;
  }

  switchTo(target: number): void {
    this.target = target;
    for (const socket of this.sockets) socket.destroy();
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise((resolve) => this.server.close(resolve));
  }
}
