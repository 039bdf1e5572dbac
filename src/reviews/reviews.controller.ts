import { Body, Controller, Get, Param, Post, Query } from '@nestjs/common';
import { ApiConflictResponse, ApiCreatedResponse, ApiNotFoundResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { CurrentUser } from '../auth/auth.decorators.js';
import { Roles } from '../common/access/access.decorators.js';
import type { AuthUser } from '../auth/auth-user.js';
import { PaginationQueryDto, type PageDto } from '../common/dto/pagination.dto.js';
import { ParseIdPipe } from '../common/pipes/parse-id.pipe.js';
import { CreateReviewDto, ReviewDto, ReviewPageDto } from './review.dto.js';
import { ReviewsService } from './reviews.service.js';

@ApiTags('reviews')
@Controller('mentors/:id/reviews')
export class ReviewsController {
  constructor(private readonly reviews: ReviewsService) {}

  @Get()
  @ApiOkResponse({ type: ReviewPageDto })
  @ApiNotFoundResponse()
  list(@Param('id', ParseIdPipe) mentorId: number, @Query() query: PaginationQueryDto): Promise<PageDto<ReviewDto>> {
    return this.reviews.listForMentor(mentorId, query);
  }

  @Post()
  @Roles('student')
  @ApiCreatedResponse({ type: ReviewDto })
  @ApiNotFoundResponse()
  @ApiConflictResponse({ description: 'This student has already reviewed this mentor' })
  create(@Param('id', ParseIdPipe) mentorId: number, @Body() review: CreateReviewDto, @CurrentUser() user: AuthUser): Promise<ReviewDto> {
    return this.reviews.create(mentorId, review, user);
  }
}
