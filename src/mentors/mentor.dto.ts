import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsNumber,
  IsOptional,
  IsString,
  Matches,
  ValidateIf,
  Max,
  MaxLength,
  Min,
  MinLength,
} from 'class-validator';
import { PageDtoOf, PaginationQueryDto } from '../common/dto/pagination.dto.js';
import type { Mentor } from './mentor.entity.js';

export const MENTOR_SORTS = ['id', 'name', 'rating', '-rating', 'hourly_rate', '-hourly_rate'] as const;
export type MentorSort = (typeof MENTOR_SORTS)[number];

export class ListMentorsQueryDto extends PaginationQueryDto {
  @ApiPropertyOptional({ enum: MENTOR_SORTS, default: 'id', description: 'A leading "-" sorts descending' })
  @IsOptional()
  @IsIn(MENTOR_SORTS)
  sort: MentorSort = 'id';
}

/** Absent fields are left alone; an explicit null is validated (and refused) like any other value. */
const isPresent = (_: object, value: unknown) => value !== undefined;

export class UpdateMentorDto {
  @ApiPropertyOptional({ maxLength: 120 })
  @ValidateIf(isPresent)
  @IsString()
  @MinLength(1)
  @MaxLength(120)
  name?: string;

  @ApiPropertyOptional({ maxLength: 5000 })
  @ValidateIf(isPresent)
  @IsString()
  @MaxLength(5000)
  bio?: string;

  @ApiPropertyOptional({ type: [String], maxItems: 20 })
  @ValidateIf(isPresent)
  @IsArray()
  @ArrayMaxSize(20)
  @IsString({ each: true })
  @Matches(/^[^,]{1,50}$/, { each: true, message: 'each expertise must be 1 to 50 characters without commas' })
  expertise?: string[];

  @ApiPropertyOptional({ minimum: 0, maximum: 100000 })
  @ValidateIf(isPresent)
  @IsNumber({ maxDecimalPlaces: 2, allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(100_000)
  hourly_rate?: number;
}

export class MentorDto {
  @ApiProperty()
  id!: number;

  @ApiProperty()
  user_id!: number;

  @ApiProperty()
  name!: string;

  @ApiProperty()
  bio!: string;

  @ApiProperty({ type: [String] })
  expertise!: string[];

  @ApiProperty()
  hourly_rate!: number;

  @ApiProperty()
  average_rating!: number;

  @ApiProperty()
  review_count!: number;

  @ApiProperty()
  created_at!: string;

  @ApiProperty()
  updated_at!: string;

  static from(mentor: Mentor): MentorDto {
    return {
      id: mentor.id,
      user_id: mentor.userId,
      name: mentor.name,
      bio: mentor.bio,
      expertise: mentor.expertise,
      hourly_rate: mentor.hourlyRate,
      average_rating: mentor.averageRating,
      review_count: mentor.reviewCount,
      created_at: mentor.createdAt.toISOString(),
      updated_at: mentor.updatedAt.toISOString(),
    };
  }
}

export class MentorPageDto extends PageDtoOf(MentorDto) {}
