import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { randomBytes } from 'node:crypto';
import type { Repository } from 'typeorm';
import { DatabaseLockService } from '../database/database-lock.service.js';
import { databaseConfig, type DatabaseConfig } from '../database/database.config.js';
import { User } from '../users/user.entity.js';
import { authConfig, type AuthConfig } from './auth.config.js';
import { PasswordHasher } from './password.hasher.js';

export const GENERATED_ADMIN_EMAIL = 'admin@mentorhub.local';

/**
 * Makes sure someone can sign in as admin: the configured ADMIN_EMAIL, or on the embedded
 * SQLite default a generated one whose password is printed once (to stdout, not the log file).
 */
@Injectable()
export class AdminBootstrapService implements OnApplicationBootstrap {
  private readonly logger = new Logger(AdminBootstrapService.name);

  constructor(
    @InjectRepository(User) private readonly users: Repository<User>,
    private readonly hasher: PasswordHasher,
    @Inject(authConfig.KEY) private readonly auth: AuthConfig,
    @Inject(databaseConfig.KEY) private readonly database: DatabaseConfig,
    private readonly lock: DatabaseLockService,
  ) {}

  /** Under a lock: replicas starting together would otherwise race to insert the same admin. */
  onApplicationBootstrap(): Promise<void> {
    return this.lock.withLock('mentorhub:admin-bootstrap', () => this.ensureAdmin());
  }

  private async ensureAdmin(): Promise<void> {
    if (this.auth.admin) {
      await this.ensureConfiguredAdmin(this.auth.admin.email, this.auth.admin.password);
      return;
    }
    if (await this.users.existsBy({ role: 'admin' })) return;
    // A generated password printed to stdout would end up in production log pipelines.
    if (this.database.connection.engine !== 'sqlite' || this.auth.production) {
      this.logger.warn('No admin user exists; set ADMIN_EMAIL and ADMIN_PASSWORD to create one');
      return;
    }
    const password = randomBytes(12).toString('base64url');
    await this.insertAdmin(GENERATED_ADMIN_EMAIL, password);
    process.stdout.write(
      `\nCreated the admin user ${GENERATED_ADMIN_EMAIL} with password ${password}\n` +
        'It is shown only this once; set ADMIN_EMAIL and ADMIN_PASSWORD to choose your own.\n\n',
    );
  }

  private async ensureConfiguredAdmin(email: string, password: string): Promise<void> {
    const existing = await this.users.findOneBy({ email });
    if (existing) {
      if (existing.role !== 'admin') this.logger.warn(`ADMIN_EMAIL ${email} belongs to a user whose role is ${existing.role}`);
      return;
    }
    await this.insertAdmin(email, password);
    this.logger.log(`Created the admin user ${email}`);
  }

  private async insertAdmin(email: string, password: string): Promise<void> {
    await this.users.insert({ email, name: 'Administrator', role: 'admin', passwordHash: await this.hasher.hash(password) });
  }
}
