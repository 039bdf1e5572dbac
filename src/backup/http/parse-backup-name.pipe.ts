import { BadRequestException, Injectable, type PipeTransform } from '@nestjs/common';
import { BackupError } from '../backup.errors.js';
import { parseBackupReference } from '../catalogue/backup.naming.js';

/** Accepts only our backup names: anything with a path separator, `..` or another pattern answers 400. */
@Injectable()
export class ParseBackupNamePipe implements PipeTransform<string, string> {
  transform(value: string): string {
    try {
      return parseBackupReference(value);
    } catch (error) {
      if (error instanceof BackupError) throw new BadRequestException(error.message);
      throw error;
    }
  }
}
