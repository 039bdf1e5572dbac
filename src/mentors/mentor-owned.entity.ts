import { Column, JoinColumn, ManyToOne, PrimaryGeneratedColumn, type Relation } from 'typeorm';
import { Mentor } from './mentor.entity.js';

/** The columns every row that belongs to a mentor has (courses, reviews): deleted with its mentor. */
export abstract class MentorOwned {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ name: 'mentor_id', type: 'integer' })
  mentorId!: number;

  @ManyToOne(() => Mentor, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'mentor_id' })
  mentor?: Relation<Mentor>;
}
