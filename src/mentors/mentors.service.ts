import { BadRequestException, ForbiddenException, Injectable, NotFoundException } from '@nestjs/common';
import { MeasureTime } from '../metrics/operations/measure-time.decorator.js';
import { InjectRepository } from '@nestjs/typeorm';
import type { FindOptionsOrder, Repository } from 'typeorm';
import type { AuthUser } from '../auth/auth-user.js';
import { PageDto, pageWindow } from '../common/dto/pagination.dto.js';
import { TransactionRunner } from '../database/transaction.runner.js';
import { cachePattern } from '../cache/cache-key.js';
import { CACHE_TTL } from '../cache/cache.constants.js';
import { CacheEvict, Cached } from '../cache/decorators/cache.decorators.js';
import { MentorDto, type ListMentorsQueryDto, type MentorSort, type UpdateMentorDto } from './mentor.dto.js';
import { Mentor } from './mentor.entity.js';
import { MENTOR_CACHE } from './mentors.constants.js';

const ORDER_BY_SORT: Record<MentorSort, FindOptionsOrder<Mentor>> = {
  id: { id: 'ASC' },
  name: { name: 'ASC', id: 'ASC' },
  rating: { averageRating: 'ASC', id: 'ASC' },
  '-rating': { averageRating: 'DESC', id: 'ASC' },
  hourly_rate: { hourlyRate: 'ASC', id: 'ASC' },
  '-hourly_rate': { hourlyRate: 'DESC', id: 'ASC' },
};

@Injectable()
export class MentorsService {
  constructor(
    @InjectRepository(Mentor) private readonly mentors: Repository<Mentor>,
    private readonly transactions: TransactionRunner,
  ) {}

  @MeasureTime()
  @Cached({ ttl: CACHE_TTL.list, keyPrefix: MENTOR_CACHE.list, skipAuth: true })
  async list(query: ListMentorsQueryDto): Promise<PageDto<MentorDto>> {
    const [rows, total] = await this.mentors.findAndCount({
      order: ORDER_BY_SORT[query.sort],
      ...pageWindow(query),
    });
    return PageDto.of(
      rows.map((row) => MentorDto.from(row)),
      total,
      query,
    );
  }

  @Cached({ ttl: CACHE_TTL.mentor, keyPrefix: MENTOR_CACHE.detail, skipAuth: true })
  async findOne(id: number): Promise<MentorDto> {
    return MentorDto.from(await this.getOrFail(id));
  }

  /** Admins may edit any mentor; a mentor only their own profile. Drops its cached detail and the cached lists. */
  @CacheEvict((id: number) => [cachePattern(MENTOR_CACHE.detail, id), cachePattern(MENTOR_CACHE.list)])
  async update(id: number, changes: UpdateMentorDto, user: AuthUser): Promise<MentorDto> {
    if (Object.values(changes).every((value) => value === undefined)) {
      throw new BadRequestException('Nothing to update: send at least one of name, bio, expertise, hourly_rate');
    }
    const saved = await this.transactions.run(async (manager) => {
      const mentor = await manager.findOneBy(Mentor, { id });
      if (!mentor) throw new NotFoundException(`Mentor ${id} not found`);
      if (user.role !== 'admin' && mentor.userId !== user.id) {
        throw new ForbiddenException('Only an admin or the mentor themselves can update this profile');
      }
      if (changes.name !== undefined) mentor.name = changes.name;
      if (changes.bio !== undefined) mentor.bio = changes.bio;
      if (changes.expertise !== undefined) mentor.expertise = changes.expertise;
      if (changes.hourly_rate !== undefined) mentor.hourlyRate = changes.hourly_rate;
      return manager.save(mentor);
    });
    return MentorDto.from(saved);
  }

  private async getOrFail(id: number): Promise<Mentor> {
    const mentor = await this.mentors.findOneBy({ id });
    if (!mentor) throw new NotFoundException(`Mentor ${id} not found`);
    return mentor;
  }
}
