import { Injectable, NotFoundException } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { CACHE_TTL } from '../cache/cache.constants.js';
import { Cached } from '../cache/decorators/cache.decorators.js';
import { Mentor } from '../mentors/mentor.entity.js';
import { UserDto } from './user.dto.js';
import { User } from './user.entity.js';

@Injectable()
export class UsersService {
  constructor(
    @InjectRepository(User) private readonly users: Repository<User>,
    @InjectRepository(Mentor) private readonly mentors: Repository<Mentor>,
  ) {}

  /** Cached per user: the key carries the caller's id besides the argument. */
  @Cached({ ttl: CACHE_TTL.user, keyPrefix: 'user-me' })
  async getProfile(userId: number): Promise<UserDto> {
    const user = await this.users.findOneBy({ id: userId });
    // A valid token for a deleted user: the account is gone, not the route.
    if (!user) throw new NotFoundException('This user no longer exists');
    const mentor = user.role === 'mentor' ? await this.mentors.findOne({ where: { userId }, select: { id: true } }) : null;
    return UserDto.from(user, mentor?.id ?? null);
  }
}
