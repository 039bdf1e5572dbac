/**
 * The reference servers of the HTTP stack bench, one per process: `node-http`, `fastify` or
 * `nest-fastify`, each answering GET on the given routes with the given JSON (serialized on every
 * request, as the API does). Usage: `node http-stack-server.js <kind> <routes.json>`; prints
 * `port <n>` once listening.
 */
import 'reflect-metadata';
import { Controller, Get, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { fastify } from 'fastify';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface BenchRoute {
  /** The route as registered (`/api/v1/mentors/:id`); requests use their own URL. */
  route: string;
  body: unknown;
}

export type ServerKind = 'node-http' | 'fastify' | 'nest-fastify';

const CONTENT_TYPE = 'application/json; charset=utf-8';

async function nodeHttp(routes: BenchRoute[]): Promise<number> {
  // Exact-path matching of the concrete URLs the bench requests: the floor, with no router at all.
  const bodies = new Map(routes.map(({ route, body }) => [route.replace(':id', '1'), body]));
  const server = createServer((request, response) => {
    const body = bodies.get(request.url ?? '');
    if (body === undefined) {
      response.writeHead(404).end();
      return;
    }
    const text = JSON.stringify(body);
    response.writeHead(200, { 'content-type': CONTENT_TYPE, 'content-length': Buffer.byteLength(text) }).end(text);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

async function bareFastify(routes: BenchRoute[]): Promise<number> {
  const app = fastify();
  for (const { route, body } of routes) app.get(route, () => body);
  await app.listen({ port: 0, host: '127.0.0.1' });
  return (app.server.address() as AddressInfo).port;
}

async function nestFastify(routes: BenchRoute[]): Promise<number> {
  const bodyOf = (route: string) => routes.find((r) => r.route === route)?.body;
  @Controller()
  class EmptyController {
    @Get('api/v1/mentors/:id')
    mentor(): unknown {
      return bodyOf('/api/v1/mentors/:id');
    }

    @Get('api/v1/health/live')
    live(): unknown {
      return bodyOf('/api/v1/health/live');
    }
  }
  @Module({ controllers: [EmptyController] })
  class EmptyModule {}
  const app = await NestFactory.create<NestFastifyApplication>(EmptyModule, new FastifyAdapter(), { logger: false });
  await app.listen(0, '127.0.0.1');
  return (app.getHttpServer().address() as AddressInfo).port;
}

async function main(): Promise<void> {
  const [kind, file] = process.argv.slice(2) as [ServerKind, string];
  const routes = JSON.parse(readFileSync(file, 'utf8')) as BenchRoute[];
  const start = { 'node-http': nodeHttp, fastify: bareFastify, 'nest-fastify': nestFastify }[kind];
  if (!start) throw new Error(`unknown server kind ${kind}`);
  process.stdout.write(`port ${await start(routes)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
