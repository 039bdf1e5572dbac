import { Injectable, NotFoundException } from '@nestjs/common';
import { MeasureTime } from '../metrics/operations/measure-time.decorator.js';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { PageDto, pageWindow } from '../common/dto/pagination.dto.js';
import { CACHE_TTL } from '../cache/cache.constants.js';
import { Cached } from '../cache/decorators/cache.decorators.js';
import { containsPattern } from '../common/like-pattern.js';
import { CourseDto, type SearchCoursesQueryDto } from './course.dto.js';
import { Course } from './course.entity.js';

@Injectable()
export class CoursesService {
  constructor(@InjectRepository(Course) private readonly courses: Repository<Course>) {}

  @MeasureTime()
  @Cached({ ttl: CACHE_TTL.course, keyPrefix: 'course-search', skipAuth: true })
  async search(query: SearchCoursesQueryDto): Promise<PageDto<CourseDto>> {
    const builder = this.courses.createQueryBuilder('course');
    const term = query.q?.trim();
    if (term) {
      // LOWER() on both sides behaves the same on PostgreSQL and SQLite.
      builder.andWhere("(LOWER(course.title) LIKE :pattern ESCAPE '\\' OR LOWER(course.description) LIKE :pattern ESCAPE '\\')", {
        pattern: containsPattern(term),
      });
    }
    if (query.level) builder.andWhere('course.level = :level', { level: query.level });
    const { skip, take } = pageWindow(query);
    const [rows, total] = await builder.orderBy('course.id', 'ASC').skip(skip).take(take).getManyAndCount();
    return PageDto.of(
      rows.map((row) => CourseDto.from(row)),
      total,
      query,
    );
  }

  @Cached({ ttl: CACHE_TTL.course, keyPrefix: 'course', skipAuth: true })
  async findOne(id: number): Promise<CourseDto> {
    const course = await this.courses.findOneBy({ id });
    if (!course) throw new NotFoundException(`Course ${id} not found`);
    return CourseDto.from(course);
  }
}
