import { Column, CreateDateColumn, Entity, JoinColumn, ManyToOne, PrimaryGeneratedColumn, type Relation } from 'typeorm';
import { decimalTransformer } from '../database/decimal.transformer.js';
import { Mentor } from '../mentors/mentor.entity.js';

export const COURSE_LEVELS = ['beginner', 'intermediate', 'advanced'] as const;
export type CourseLevel = (typeof COURSE_LEVELS)[number];

@Entity('courses')
export class Course {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ name: 'mentor_id', type: 'integer' })
  mentorId!: number;

  @ManyToOne(() => Mentor, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'mentor_id' })
  mentor?: Relation<Mentor>;

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
