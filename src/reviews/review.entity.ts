import { Column, CreateDateColumn, Entity, JoinColumn, ManyToOne, type Relation } from 'typeorm';
import { MentorOwned } from '../mentors/mentor-owned.entity.js';
import { User } from '../users/user.entity.js';

@Entity('reviews')
export class Review extends MentorOwned {
  @Column({ name: 'author_id', type: 'integer' })
  authorId!: number;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'author_id' })
  author?: Relation<User>;

  @Column({ type: 'integer' })
  rating!: number;

  @Column({ type: 'text' })
  text!: string;

  @CreateDateColumn({ name: 'created_at' })
  createdAt!: Date;
}
