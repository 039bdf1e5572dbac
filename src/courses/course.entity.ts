import { Column, CreateDateColumn, Entity } from 'typeorm';
import { decimalTransformer } from '../database/decimal.transformer.js';
import { MentorOwned } from '../mentors/mentor-owned.entity.js';

export const COURSE_LEVELS = ['beginner', 'intermediate', 'advanced'] as const;
export type CourseLevel = (typeof COURSE_LEVELS)[number];

@Entity('courses')
export class Course extends MentorOwned {
  @Column({ type: 'varchar', length: 200 })
  title!: string;

  @Column({ type: 'text' })
  description!: string;

  @Column({ type: 'varchar', length: 16 })
  level!: CourseLevel;

  @Column({ type: 'numeric', precision: 10, scale: 2, transformer: decimalTransformer })
  price!: number;

  @CreateDateColumn({ name: 'created_at' })
  createdAt!: Date;
}
