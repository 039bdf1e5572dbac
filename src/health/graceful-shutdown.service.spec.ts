import { jest } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { Agent, createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GracefulShutdownService } from './graceful-shutdown.service.js';
import type { HealthConfig } from './config/health.config.js';

interface Answer {
  status: number;
  connection: string | undefined;
}

/** A server whose requests wait until the test releases them, so one is in flight for sure. */
async function holdingServer(): Promise<{ server: Server; arrived: Promise<void>; release: () => void }> {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let arrive!: () => void;
  const arrived = new Promise<void>((resolve) => (arrive = resolve));
  const server = createServer((_request: IncomingMessage, response: ServerResponse) => {
    arrive();
    void released.then(() => response.end('ok'));
  });
  // Fastify's default: a connection left open would outlive any test.
  server.keepAliveTimeout = 72_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, arrived, release };
}

function get(server: Server, agent: Agent): Promise<Answer> {
  const { port } = server.address() as AddressInfo;
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, agent }, (response) => {
      response.resume();
      response.on('end', () => resolve({ status: response.statusCode ?? 0, connection: response.headers.connection }));
    })
      .on('error', reject)
      .end();
  });
}

function appOf(server: Server): { app: INestApplication; close: jest.Mock } {
  const close = jest.fn(() => Promise.resolve());
  return { app: { getHttpServer: () => server, close } as unknown as INestApplication, close };
}

const shutdownService = (drainMs: number) =>
  new GracefulShutdownService({ shutdownDrainMs: drainMs, shutdownTimeoutMs: 20_000 } as HealthConfig);

describe('GracefulShutdownService', () => {
  let agent: Agent;
  let server: Server | undefined;
  beforeEach(() => (agent = new Agent({ keepAlive: true, maxSockets: 1 })));
  afterEach(() => {
    agent.destroy();
    server?.closeAllConnections();
    server?.close();
  });

  it('answers a request in flight at SIGTERM, then closes its keep-alive connection once idle instead of cutting it at the timeout', async () => {
    const held = await holdingServer();
    server = held.server;
    const cutAtTimeout = jest.spyOn(server, 'closeAllConnections');
    const answer = get(server, agent);
    await held.arrived;
    const socketClosed = new Promise<void>((resolve) => Object.values(agent.sockets)[0]![0].once('close', () => resolve()));

    const service = shutdownService(0);
    const { app, close } = appOf(server);
    const done = service.shutdown(app, 'SIGTERM');
    expect(service.isShuttingDown).toBe(true);
    held.release();

    // Begun before the drain, so answered keep-alive: the server closes the connection once idle.
    expect(await answer).toEqual({ status: 200, connection: 'keep-alive' });
    await done;
    await socketClosed;
    expect(cutAtTimeout).not.toHaveBeenCalled();
    expect(service.stoppingSignal.aborted).toBe(true);
    expect(close).toHaveBeenCalledTimes(1);
  });

  it('keeps serving during the drain, each answer closing its connection', async () => {
    const held = await holdingServer();
    server = held.server;
    held.release();
    const cutAtTimeout = jest.spyOn(server, 'closeAllConnections');
    const service = shutdownService(300);
    const done = service.shutdown(appOf(server).app, 'SIGTERM');

    expect(await get(server, agent)).toEqual({ status: 200, connection: 'close' });
    expect(await get(server, agent)).toEqual({ status: 200, connection: 'close' });
    expect(service.stoppingSignal.aborted).toBe(false);
    await done;
    expect(cutAtTimeout).not.toHaveBeenCalled();
  });
});
