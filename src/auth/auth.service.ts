import { Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { User } from '../users/user.entity.js';
import { authConfig, type AuthConfig } from './auth.config.js';
import type { JwtPayload } from './auth-user.js';
import type { LoginDto, TokenDto } from './auth.dto.js';
import { PasswordHasher } from './password.hasher.js';

@Injectable()
export class AuthService {
  /** Verified against when the email is unknown, so both failures take the same time. */
  private readonly decoyHash: Promise<string>;

  constructor(
    @InjectRepository(User) private readonly users: Repository<User>,
    private readonly hasher: PasswordHasher,
    private readonly jwt: JwtService,
    @Inject(authConfig.KEY) private readonly config: AuthConfig,
  ) {
    this.decoyHash = hasher.hash('decoy-password-for-unknown-emails');
  }

  async login({ email, password }: LoginDto): Promise<TokenDto> {
    const user = await this.users.findOneBy({ email: email.toLowerCase() });
    const valid = await this.hasher.verify(password, user?.passwordHash ?? (await this.decoyHash));
    if (!user || !valid) throw new UnauthorizedException('Invalid email or password');
    const payload: JwtPayload = { sub: user.id, role: user.role };
    return {
      access_token: await this.jwt.signAsync(payload),
      token_type: 'bearer',
      expires_in: this.config.jwtExpiresInSeconds,
    };
  }
}
