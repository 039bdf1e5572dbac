import { ApiProperty } from '@nestjs/swagger';
import { IsInt, IsString, Max, MaxLength, Min, MinLength } from 'class-validator';
import { PageDtoOf } from '../common/dto/pagination.dto.js';
import type { Review } from './review.entity.js';

export class CreateReviewDto {
  @ApiProperty({ minimum: 1, maximum: 5 })
  @IsInt()
  @Min(1)
  @Max(5)
  rating!: number;

  @ApiProperty({ maxLength: 2000 })
  @IsString()
  @MinLength(1)
  @MaxLength(2000)
  text!: string;
}

export class ReviewDto {
  @ApiProperty()
  id!: number;

  @ApiProperty()
  mentor_id!: number;

  @ApiProperty()
  author_id!: number;

  @ApiProperty()
  rating!: number;

  @ApiProperty()
  text!: string;

  @ApiProperty()
  created_at!: string;

  static from(review: Review): ReviewDto {
    return {
      id: review.id,
      mentor_id: review.mentorId,
      author_id: review.authorId,
      rating: review.rating,
      text: review.text,
      created_at: review.createdAt.toISOString(),
    };
  }
}

export class ReviewPageDto extends PageDtoOf(ReviewDto) {}
