import { Column, CreateDateColumn, Entity, JoinColumn, OneToOne, PrimaryGeneratedColumn, UpdateDateColumn, type Relation } from 'typeorm';
import { decimalTransformer } from '../database/decimal.transformer.js';
import { User } from '../users/user.entity.js';

@Entity('mentors')
export class Mentor {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ name: 'user_id', type: 'integer', unique: true })
  userId!: number;

  @OneToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id' })
  user?: Relation<User>;

  @Column({ type: 'varchar', length: 120 })
  name!: string;

  @Column({ type: 'text' })
  bio!: string;

  /** Stored comma-separated; skills never contain commas (validated at the edge). */
  @Column({ type: 'simple-array' })
  expertise!: string[];

  @Column({ name: 'hourly_rate', type: 'numeric', precision: 10, scale: 2, transformer: decimalTransformer })
  hourlyRate!: number;

  @Column({
    name: 'average_rating',
    type: 'numeric',
    precision: 3,
    scale: 2,
    default: 0,
    transformer: decimalTransformer,
  })
  averageRating!: number;

  @Column({ name: 'review_count', type: 'integer', default: 0 })
  reviewCount!: number;

  @CreateDateColumn({ name: 'created_at' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at' })
  updatedAt!: Date;
}
