import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { PageDto } from '../common/dto/pagination.dto.js';
import { ParseIdPipe } from '../common/pipes/parse-id.pipe.js';
import { CourseDto, CoursePageDto, SearchCoursesQueryDto } from './course.dto.js';
import { CoursesService } from './courses.service.js';

@ApiTags('courses')
@Controller('courses')
export class CoursesController {
  constructor(private readonly courses: CoursesService) {}

  @Get('search')
  @ApiOkResponse({ type: CoursePageDto })
  search(@Query() query: SearchCoursesQueryDto): Promise<PageDto<CourseDto>> {
    return this.courses.search(query);
  }

  @Get(':id')
  @ApiOkResponse({ type: CourseDto })
  @ApiNotFoundResponse()
  findOne(@Param('id', ParseIdPipe) id: number): Promise<CourseDto> {
    return this.courses.findOne(id);
  }
}
