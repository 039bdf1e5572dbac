import { BadRequestException, Injectable, type ArgumentMetadata, type PipeTransform } from '@nestjs/common';

/** Largest value of a 32-bit INTEGER column: larger ids cannot exist and would make PostgreSQL fail. */
export const MAX_ID = 2_147_483_647;

/** Parses a path id as a positive 32-bit integer, answering 400 with the parameter's name otherwise. */
@Injectable()
export class ParseIdPipe implements PipeTransform<string, number> {
  transform(value: string, metadata: ArgumentMetadata): number {
    const name = metadata.data ?? 'id';
    if (!/^\d{1,10}$/.test(value) || Number(value) < 1 || Number(value) > MAX_ID) {
      throw new BadRequestException(`${name} must be a positive integer no larger than ${MAX_ID}`);
    }
    return Number(value);
  }
}
