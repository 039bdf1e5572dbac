import { Table, type MigrationInterface, type QueryRunner } from 'typeorm';

/** The cache's invalidation outbox: rows commit with the writes they invalidate and are deleted once Redis applied them. */
export class CacheInvalidation1764633600000 implements MigrationInterface {
  name = 'CacheInvalidation1764633600000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'cache_invalidation',
        columns: [
          { name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
          { name: 'pattern', type: 'varchar', length: '256' },
          { name: 'created_at', type: 'bigint' },
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('cache_invalidation');
  }
}
