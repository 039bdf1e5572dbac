import { ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { MeasureTime } from '../metrics/operations/measure-time.decorator.js';
import type { AuthUser } from '../auth/auth-user.js';
import { PageDto, pageWindow, type PaginationQueryDto } from '../common/dto/pagination.dto.js';
import { TransactionRunner } from '../database/transaction.runner.js';
import { cachePattern } from '../cache/cache-key.js';
import { CACHE_TTL } from '../cache/cache.constants.js';
import { CacheEvict, Cached } from '../cache/decorators/cache.decorators.js';
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
    private readonly transactions: TransactionRunner,
  ) {}

  @MeasureTime()
  @Cached({ ttl: CACHE_TTL.review, keyPrefix: REVIEWS_CACHE, skipAuth: true })
  async listForMentor(mentorId: number, query: PaginationQueryDto): Promise<PageDto<ReviewDto>> {
    await this.assertMentorExists(mentorId);
    const [rows, total] = await this.reviews.findAndCount({
      where: { mentorId },
      order: { createdAt: 'DESC', id: 'DESC' },
      ...pageWindow(query),
    });
    return PageDto.of(
      rows.map((row) => ReviewDto.from(row)),
      total,
      query,
    );
  }

  /**
   * Adds the review and refreshes the mentor's rating in one transaction, then drops what was
   * cached about that mentor. Locking the mentor row first makes concurrent reviews of one mentor
   * take turns, so each recount sees the others, and the one-review-per-student check sees any
   * review committed before it (no unique index: databases created before the rule may hold
   * duplicates, which stay readable).
   */
  @MeasureTime()
  @CacheEvict((mentorId: number) => [
    cachePattern(REVIEWS_CACHE, mentorId),
    cachePattern(MENTOR_CACHE.detail, mentorId),
    cachePattern(MENTOR_CACHE.list),
  ])
  async create(mentorId: number, input: CreateReviewDto, author: AuthUser): Promise<ReviewDto> {
    const review = await this.transactions.run(async (manager) => {
      const locked = await manager
        .createQueryBuilder()
        .update(Mentor)
        .set({ reviewCount: () => 'review_count' })
        .where('id = :mentorId', { mentorId })
        .execute();
      if (!locked.affected) throw new NotFoundException(`Mentor ${mentorId} not found`);
      if (await manager.existsBy(Review, { mentorId, authorId: author.id })) {
        throw new ConflictException(`You have already reviewed mentor ${mentorId}`);
      }
      const saved = await manager.save(manager.create(Review, { mentorId, authorId: author.id, rating: input.rating, text: input.text }));
      await manager
        .createQueryBuilder()
        .update(Mentor)
        .set({
          averageRating: () => 'COALESCE((SELECT ROUND(AVG(r.rating), 2) FROM reviews r WHERE r.mentor_id = :mentorId), 0)',
          reviewCount: () => '(SELECT COUNT(*) FROM reviews r WHERE r.mentor_id = :mentorId)',
        })
        .where('id = :mentorId', { mentorId })
        .execute();
      return saved;
    });
    return ReviewDto.from(review);
  }

  private async assertMentorExists(mentorId: number): Promise<void> {
    if (!(await this.mentors.existsBy({ id: mentorId }))) throw new NotFoundException(`Mentor ${mentorId} not found`);
  }
}
