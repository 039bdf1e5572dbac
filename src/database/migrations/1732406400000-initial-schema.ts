import { Table, TableIndex, type MigrationInterface, type QueryRunner, type TableColumnOptions } from 'typeorm';

/** One schema for both engines, written with TypeORM's schema builder rather than raw SQL. */
export class InitialSchema1732406400000 implements MigrationInterface {
  name = 'InitialSchema1732406400000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const timestamp = queryRunner.connection.options.type === 'postgres' ? 'timestamptz' : 'datetime';
    const now = queryRunner.connection.options.type === 'postgres' ? 'now()' : "(datetime('now'))";
    const id: TableColumnOptions = { name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' };
    const createdAt: TableColumnOptions = { name: 'created_at', type: timestamp, default: now };

    await queryRunner.createTable(
      new Table({
        name: 'users',
        columns: [
          id,
          { name: 'email', type: 'varchar', length: '254', isUnique: true },
          { name: 'password_hash', type: 'varchar', length: '255' },
          { name: 'role', type: 'varchar', length: '16' },
          { name: 'name', type: 'varchar', length: '120' },
          createdAt,
        ],
        checks: [{ name: 'CHK_users_role', expression: "role IN ('admin', 'mentor', 'student')" }],
      }),
    );

    await queryRunner.createTable(
      new Table({
        name: 'mentors',
        columns: [
          id,
          { name: 'user_id', type: 'integer', isUnique: true },
          { name: 'name', type: 'varchar', length: '120' },
          { name: 'bio', type: 'text' },
          { name: 'expertise', type: 'text' },
          { name: 'hourly_rate', type: 'numeric', precision: 10, scale: 2 },
          { name: 'average_rating', type: 'numeric', precision: 3, scale: 2, default: 0 },
          { name: 'review_count', type: 'integer', default: 0 },
          createdAt,
          { name: 'updated_at', type: timestamp, default: now },
        ],
        foreignKeys: [{ columnNames: ['user_id'], referencedTableName: 'users', referencedColumnNames: ['id'], onDelete: 'CASCADE' }],
        indices: [new TableIndex({ name: 'IDX_mentors_average_rating', columnNames: ['average_rating'] })],
      }),
    );

    await queryRunner.createTable(
      new Table({
        name: 'courses',
        columns: [
          id,
          { name: 'mentor_id', type: 'integer' },
          { name: 'title', type: 'varchar', length: '200' },
          { name: 'description', type: 'text' },
          { name: 'level', type: 'varchar', length: '16' },
          { name: 'price', type: 'numeric', precision: 10, scale: 2 },
          createdAt,
        ],
        checks: [{ name: 'CHK_courses_level', expression: "level IN ('beginner', 'intermediate', 'advanced')" }],
        foreignKeys: [{ columnNames: ['mentor_id'], referencedTableName: 'mentors', referencedColumnNames: ['id'], onDelete: 'CASCADE' }],
        indices: [new TableIndex({ name: 'IDX_courses_mentor_id', columnNames: ['mentor_id'] })],
      }),
    );

    await queryRunner.createTable(
      new Table({
        name: 'reviews',
        columns: [
          id,
          { name: 'mentor_id', type: 'integer' },
          { name: 'author_id', type: 'integer' },
          { name: 'rating', type: 'integer' },
          { name: 'text', type: 'text' },
          createdAt,
        ],
        checks: [{ name: 'CHK_reviews_rating', expression: 'rating BETWEEN 1 AND 5' }],
        foreignKeys: [
          { columnNames: ['mentor_id'], referencedTableName: 'mentors', referencedColumnNames: ['id'], onDelete: 'CASCADE' },
          { columnNames: ['author_id'], referencedTableName: 'users', referencedColumnNames: ['id'], onDelete: 'CASCADE' },
        ],
        indices: [new TableIndex({ name: 'IDX_reviews_mentor_created', columnNames: ['mentor_id', 'created_at'] })],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('reviews');
    await queryRunner.dropTable('courses');
    await queryRunner.dropTable('mentors');
    await queryRunner.dropTable('users');
  }
}
