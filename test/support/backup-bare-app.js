// A bare Nest application with only the built BackupModule (dist/) and a stub of the host's guard:
// `x-role` stands for a verified token. Prints its port, closes on SIGTERM and must then exit by itself.
import 'reflect-metadata';
import { ForbiddenException, Module, UnauthorizedException } from '@nestjs/common';
import { APP_GUARD, NestFactory, Reflector } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { BackupModule } from '../../dist/backup/backup.module.js';
import { ACCESS_METADATA } from '../../dist/common/access/access.constants.js';

class StubAdminGuard {
  constructor(reflector) {
    this.reflector = reflector;
  }

  canActivate(context) {
    const rule = this.reflector.getAllAndOverride(ACCESS_METADATA, [context.getHandler(), context.getClass()]);
    if (!rule) return true;
    const role = context.switchToHttp().getRequest().headers['x-role'];
    if (!role) throw new UnauthorizedException();
    if (!rule.roles.includes(role)) throw new ForbiddenException();
    return true;
  }
}

class BareAppModule {}
Module({
  imports: [BackupModule.forRoot({ database: { engine: 'sqlite', path: process.env.BARE_APP_SQLITE } })],
  providers: [{ provide: APP_GUARD, inject: [Reflector], useFactory: (reflector) => new StubAdminGuard(reflector) }],
})(BareAppModule);

const app = await NestFactory.create(BareAppModule, new FastifyAdapter(), { logger: ['error', 'warn'] });
await app.listen(0, '127.0.0.1');
process.stdout.write(`listening on ${app.getHttpServer().address().port}\n`);
process.once('SIGTERM', () => {
  void app.close().then(() => process.stdout.write('closed\n'));
});
