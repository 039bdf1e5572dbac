import { Injectable } from '@nestjs/common';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, type ReadStream, type WriteStream } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, stat, utimes, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';

export interface FileDigest {
  sha256: string;
  sizeBytes: number;
}

/**
 * The filesystem operations backups and restores use, behind one injectable: the real thing in
 * integration tests, a wrapper that fails on a chosen step in the restore-safety tests.
 */
@Injectable()
export class BackupFileSystem {
  async ensureDir(path: string): Promise<void> {
    await mkdir(path, { recursive: true });
  }

  async list(dir: string): Promise<string[]> {
    try {
      return await readdir(dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
  }

  async size(path: string): Promise<number | undefined> {
    try {
      return (await stat(path)).size;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  async modifiedAt(path: string): Promise<number | undefined> {
    try {
      return (await stat(path)).mtimeMs;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  /** Marks a file as modified now (a lock file's heartbeat). */
  async touch(path: string): Promise<void> {
    const now = new Date();
    await utimes(path, now, now);
  }

  async exists(path: string): Promise<boolean> {
    return (await this.size(path)) !== undefined;
  }

  /**
   * A unique temporary name beside `path`, hidden and not matching the backup naming, so it is
   * never mistaken for a backup; `owner` (a database id) tells whose it is when it is left behind.
   */
  tempPathFor(path: string, owner?: string): string {
    return join(dirname(path), `.${basename(path)}.${owner ? `${owner}.` : ''}${randomBytes(4).toString('hex')}.partial`);
  }

  createReadStream(path: string, options?: { start?: number; end?: number }): ReadStream {
    return createReadStream(path, options);
  }

  /** For reads at chosen offsets into caller-owned buffers (the S3 upload reuses its part buffers). */
  async openForReading(path: string): Promise<FileHandle> {
    return open(path, 'r');
  }

  createWriteStream(path: string): WriteStream {
    return createWriteStream(path, { flags: 'wx' });
  }

  async readText(path: string): Promise<string | undefined> {
    try {
      return await readFile(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  /** Creates a file with this content unless it exists (false then). */
  async createExclusive(path: string, text: string): Promise<boolean> {
    let handle: FileHandle;
    try {
      handle = await open(path, 'wx');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw error;
    }
    try {
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    return true;
  }

  /** Writes through a temporary file, fsyncs and renames, so readers never see half a file. */
  async writeTextAtomic(path: string, text: string): Promise<void> {
    const temp = this.tempPathFor(path);
    const handle = await open(temp, 'wx');
    try {
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await this.rename(temp, path);
  }

  /** Flushes a finished file to disk before it is renamed into place. */
  async fsync(path: string): Promise<void> {
    const handle = await open(path, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  }

  async rename(from: string, to: string): Promise<void> {
    await rename(from, to);
  }

  async remove(path: string): Promise<void> {
    await rm(path, { force: true });
  }

  async digest(path: string): Promise<FileDigest> {
    const hash = createHash('sha256');
    let sizeBytes = 0;
    await pipeline(this.createReadStream(path), async (source: AsyncIterable<Buffer>) => {
      for await (const chunk of source) {
        hash.update(chunk);
        sizeBytes += chunk.length;
      }
    });
    return { sha256: hash.digest('hex'), sizeBytes };
  }
}
