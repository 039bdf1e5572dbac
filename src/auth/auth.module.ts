import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { JwtModule } from '@nestjs/jwt';
import { TypeOrmModule } from '@nestjs/typeorm';
import { besideNamespace, cacheConfig, redisConnectionOptions, type CacheConfig } from '../cache/config/cache.config.js';
import { DatabaseModule } from '../database/database.module.js';
import { User } from '../users/user.entity.js';
import { AdminBootstrapService } from './admin-bootstrap.service.js';
import { authConfig, type AuthConfig } from './auth.config.js';
import { AuthController } from './auth.controller.js';
import { LoginAttemptsCounter } from './rate-limit/login-attempts.counter.js';
import { LoginRateLimitGuard } from './rate-limit/login-rate-limit.guard.js';
import { AuthService } from './auth.service.js';
import { JwtAuthGuard } from './jwt-auth.guard.js';
import { PasswordHasher } from './password.hasher.js';

/** The cache's Redis, under keys beside its namespace (a cache clear must not lift the limits); none without REDIS_URL. */
function loginCounterRedis(cache: CacheConfig) {
  const connection = redisConnectionOptions(cache);
  return connection && { connection, keyPrefix: besideNamespace(cache, 'login') };
}

/** Sign-in, tokens, and the global guard that enforces every handler's access rule. */
@Module({
  imports: [
    TypeOrmModule.forFeature([User]),
    DatabaseModule,
    JwtModule.registerAsync({
      inject: [authConfig.KEY],
      useFactory: (config: AuthConfig) => ({
        secret: config.jwtSecret,
        signOptions: { algorithm: 'HS256', expiresIn: config.jwtExpiresInSeconds },
        verifyOptions: { algorithms: ['HS256'] },
      }),
    }),
  ],
  controllers: [AuthController],
  providers: [
    AuthService,
    PasswordHasher,
    { provide: APP_GUARD, useClass: JwtAuthGuard },
    { provide: LoginAttemptsCounter, useFactory: () => new LoginAttemptsCounter(loginCounterRedis(cacheConfig())) },
    LoginRateLimitGuard,
    AdminBootstrapService,
  ],
  exports: [PasswordHasher],
})
export class AuthModule {}
