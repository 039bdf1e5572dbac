import type { Type as Class } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, Max, Min } from 'class-validator';

export const MAX_PAGE_SIZE = 100;

export class PaginationQueryDto {
  @ApiPropertyOptional({ minimum: 1, default: 1 })
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  page: number = 1;

  @ApiPropertyOptional({ minimum: 1, maximum: MAX_PAGE_SIZE, default: 20 })
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE_SIZE)
  limit: number = 20;
}

export class PageDto<T> {
  items!: T[];

  @ApiProperty()
  total!: number;

  @ApiProperty()
  page!: number;

  @ApiProperty()
  limit!: number;

  static of<T>(items: T[], total: number, query: PaginationQueryDto): PageDto<T> {
    return Object.assign(new PageDto<T>(), { items, total, page: query.page, limit: query.limit });
  }
}

/** Rows to skip and take for a page, for TypeORM's `skip`/`take`. */
export function pageWindow(query: PaginationQueryDto): { skip: number; take: number } {
  return { skip: (query.page - 1) * query.limit, take: query.limit };
}

/** A page class whose `items` OpenAPI knows the type of (generics are erased at run time). */
export function PageDtoOf<T>(item: Class<T>): Class<PageDto<T>> {
  class TypedPageDto extends PageDto<T> {
    @ApiProperty({ type: [item] })
    declare items: T[];
  }
  Object.defineProperty(TypedPageDto, 'name', { value: `${item.name.replace(/Dto$/, '')}PageDto` });
  return TypedPageDto;
}
