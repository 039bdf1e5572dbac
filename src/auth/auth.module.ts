import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { JwtModule } from '@nestjs/jwt';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DatabaseModule } from '../database/database.module.js';
import { User } from '../users/user.entity.js';
import { AdminBootstrapService } from './admin-bootstrap.service.js';
import { authConfig, type AuthConfig } from './auth.config.js';
import { AuthController } from './auth.controller.js';
import { LoginRateLimitGuard } from './login-rate-limit.guard.js';
import { AuthService } from './auth.service.js';
import { JwtAuthGuard } from './jwt-auth.guard.js';
import { PasswordHasher } from './password.hasher.js';

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
  providers: [AuthService, PasswordHasher, { provide: APP_GUARD, useClass: JwtAuthGuard }, LoginRateLimitGuard, AdminBootstrapService],
  exports: [PasswordHasher],
})
export class AuthModule {}
