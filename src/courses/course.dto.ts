import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import { PageDtoOf, PaginationQueryDto } from '../common/dto/pagination.dto.js';
import { COURSE_LEVELS, type Course, type CourseLevel } from './course.entity.js';

export class SearchCoursesQueryDto extends PaginationQueryDto {
  @ApiPropertyOptional({ description: 'Case-insensitive text matched against title and description', maxLength: 100 })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  q?: string;

  @ApiPropertyOptional({ enum: COURSE_LEVELS })
  @IsOptional()
  @IsIn(COURSE_LEVELS)
  level?: CourseLevel;
}

export class CourseDto {
  @ApiProperty()
  id!: number;

  @ApiProperty()
  mentor_id!: number;

  @ApiProperty()
  title!: string;

  @ApiProperty()
  description!: string;

  @ApiProperty({ enum: COURSE_LEVELS })
  level!: CourseLevel;

  @ApiProperty()
  price!: number;

  @ApiProperty()
  created_at!: string;

  static from(course: Course): CourseDto {
    return {
      id: course.id,
      mentor_id: course.mentorId,
      title: course.title,
      description: course.description,
      level: course.level,
      price: course.price,
      created_at: course.createdAt.toISOString(),
    };
  }
}

export class CoursePageDto extends PageDtoOf(CourseDto) {}
