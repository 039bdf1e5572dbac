import type { UserRole } from '../users/user.entity.js';

/** What a verified bearer token tells about its holder. */
export interface AuthUser {
  id: number;
  role: UserRole;
}

export interface JwtPayload {
  sub: number;
  role: UserRole;
}
