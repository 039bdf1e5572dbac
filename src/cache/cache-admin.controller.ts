import { Controller, Delete, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { AdminOnly } from '../common/access/access.decorators.js';
import { ClearCacheQueryDto, ClearCacheResultDto } from './cache.dto.js';
import { CacheService } from './cache.service.js';

@ApiTags('admin')
@Controller('admin/cache')
export class CacheAdminController {
  constructor(private readonly cache: CacheService) {}

  @Delete()
  @AdminOnly()
  @ApiOkResponse({ type: ClearCacheResultDto })
  @ApiBadRequestResponse({ description: 'Missing or invalid pattern' })
  clear(@Query() query: ClearCacheQueryDto): Promise<ClearCacheResultDto> {
    return this.cache.invalidateCache(query.pattern);
  }
}
