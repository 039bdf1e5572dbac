import { ApiProperty } from '@nestjs/swagger';
import { IsString, Matches, MaxLength, MinLength } from 'class-validator';
import { MAX_PATTERN_LENGTH } from './cache-key.js';

export class ClearCacheQueryDto {
  @ApiProperty({
    description: 'Glob inside the cache namespace: `*` any run of characters, `?` one character, e.g. `mentor:42:*`',
    maxLength: MAX_PATTERN_LENGTH,
    example: 'mentor:42:*',
  })
  @IsString()
  @MinLength(1)
  @MaxLength(MAX_PATTERN_LENGTH)
  @Matches(/^[A-Za-z0-9:_.@#~*?-]+$/, {
    message: 'pattern may only contain letters, digits, ":", "_", ".", "-", "@", "#", "~" and the wildcards "*" and "?"',
  })
  pattern!: string;
}

export class ClearCacheResultDto {
  @ApiProperty({ example: 'mentor:42:*' })
  pattern!: string;

  @ApiProperty({ description: 'Keys deleted' })
  deleted!: number;

  @ApiProperty({ enum: ['redis', 'memory'], description: 'Store cleared; `memory` also queues the pattern for Redis when it returns' })
  store!: 'redis' | 'memory';
}
