import type { UserRole } from '../users/user.entity.js';

/** What a verified bearer token tells about its holder. */
export interface AuthUser {
  id: number;
  role: UserRole;
  /** When the bearer token stops being valid (ms since the epoch): a long-lived response must end by then. */
  tokenExpiresAt?: number;
}

export interface JwtPayload {
  sub: number;
  role: UserRole;
  /** Seconds since the epoch, set by JwtService.sign from JWT_EXPIRES_IN. */
  exp?: number;
}
