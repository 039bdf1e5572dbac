import { Global, Module } from '@nestjs/common';
import { JwtModule } from '@nestjs/jwt';
import { TypeOrmModule } from '@nestjs/typeorm';
import { User } from '../users/user.entity.js';
import { AdminBootstrapService } from './admin-bootstrap.service.js';
import { authConfig, type AuthConfig } from './auth.config.js';
import { AuthController } from './auth.controller.js';
import { LoginRateLimitGuard } from './login-rate-limit.guard.js';
import { AuthService } from './auth.service.js';
import { JwtAuthGuard } from './jwt-auth.guard.js';
import { PasswordHasher } from './password.hasher.js';

/** Global so any module's controllers can use @AdminOnly() / @Authenticated() without importing it. */
@Global()
@Module({
  imports: [
    TypeOrmModule.forFeature([User]),
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
  providers: [AuthService, PasswordHasher, JwtAuthGuard, LoginRateLimitGuard, AdminBootstrapService],
  // TypeOrmModule: JwtAuthGuard is instantiated in the module of each controller using it and needs the User repository there.
  exports: [JwtModule, JwtAuthGuard, PasswordHasher, TypeOrmModule],
})
export class AuthModule {}
