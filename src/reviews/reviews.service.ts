import { Injectable, NotFoundException } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import type { DataSource, Repository } from 'typeorm';
import type { AuthUser } from '../auth/auth-user.js';
import { cachePattern } from '../cache/cache-key.js';
import { CACHE_TTL } from '../cache/cache.constants.js';
import { CacheEvict, Cached } from '../cache/cache.decorators.js';
import { PageDto, type PaginationQueryDto } from '../common/dto/pagination.dto.js';
import { Mentor } from '../mentors/mentor.entity.js';
import { MENTOR_CACHE } from '../mentors/mentors.constants.js';
import { ReviewDto, type CreateReviewDto } from './review.dto.js';
import { Review } from './review.entity.js';

const REVIEWS_CACHE = 'reviews';

@Injectable()
export class ReviewsService {
  constructor(
    @InjectRepository(Review) private readonly reviews: Repository<Review>,
    @InjectRepository(Mentor) private readonly mentors: Repository<Mentor>,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  @Cached({ ttl: CACHE_TTL.review, keyPrefix: REVIEWS_CACHE, skipAuth: true })
  async listForMentor(mentorId: number, query: PaginationQueryDto): Promise<PageDto<ReviewDto>> {
    await this.assertMentorExists(mentorId);
    const [rows, total] = await this.reviews.findAndCount({
      where: { mentorId },
      order: { createdAt: 'DESC', id: 'DESC' },
      skip: (query.page - 1) * query.limit,
      take: query.limit,
    });
    return PageDto.of(
      rows.map((row) => ReviewDto.from(row)),
      total,
      query,
    );
  }

  /** Adds the review and refreshes the mentor's rating in one transaction; drops what was cached about that mentor. */
  @CacheEvict((mentorId: number) => [
    cachePattern(REVIEWS_CACHE, mentorId),
    cachePattern(MENTOR_CACHE.detail, mentorId),
    cachePattern(MENTOR_CACHE.list),
  ])
  async create(mentorId: number, input: CreateReviewDto, author: AuthUser): Promise<ReviewDto> {
    await this.assertMentorExists(mentorId);
    const review = await this.dataSource.transaction(async (manager) => {
      const saved = await manager.save(manager.create(Review, { mentorId, authorId: author.id, rating: input.rating, text: input.text }));
      const stats = await manager
        .createQueryBuilder(Review, 'review')
        .select('AVG(review.rating)', 'average')
        .addSelect('COUNT(*)', 'count')
        .where('review.mentorId = :mentorId', { mentorId })
        .getRawOne<{ average: string | number; count: string | number }>();
      await manager.update(
        Mentor,
        { id: mentorId },
        {
          averageRating: Math.round(Number(stats?.average ?? 0) * 100) / 100,
          reviewCount: Number(stats?.count ?? 0),
        },
      );
      return saved;
    });
    return ReviewDto.from(review);
  }

  private async assertMentorExists(mentorId: number): Promise<void> {
    if (!(await this.mentors.existsBy({ id: mentorId }))) throw new NotFoundException(`Mentor ${mentorId} not found`);
  }
}
