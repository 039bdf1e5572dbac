import { Body, Controller, Get, Param, Patch, Query } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { CurrentUser } from '../auth/auth.decorators.js';
import { Authenticated } from '../common/access/access.decorators.js';
import type { AuthUser } from '../auth/auth-user.js';
import type { PageDto } from '../common/dto/pagination.dto.js';
import { ParseIdPipe } from '../common/pipes/parse-id.pipe.js';
import { ListMentorsQueryDto, MentorDto, MentorPageDto, UpdateMentorDto } from './mentor.dto.js';
import { MentorsService } from './mentors.service.js';

@ApiTags('mentors')
@Controller('mentors')
export class MentorsController {
  constructor(private readonly mentors: MentorsService) {}

  @Get()
  @ApiOkResponse({ type: MentorPageDto })
  list(@Query() query: ListMentorsQueryDto): Promise<PageDto<MentorDto>> {
    return this.mentors.list(query);
  }

  @Get(':id')
  @ApiOkResponse({ type: MentorDto })
  @ApiNotFoundResponse()
  findOne(@Param('id', ParseIdPipe) id: number): Promise<MentorDto> {
    return this.mentors.findOne(id);
  }

  @Patch(':id')
  @Authenticated()
  @ApiOkResponse({ type: MentorDto })
  update(@Param('id', ParseIdPipe) id: number, @Body() changes: UpdateMentorDto, @CurrentUser() user: AuthUser): Promise<MentorDto> {
    return this.mentors.update(id, changes, user);
  }
}
