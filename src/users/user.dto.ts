import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { USER_ROLES, type User, type UserRole } from './user.entity.js';

export class UserDto {
  @ApiProperty()
  id!: number;

  @ApiProperty()
  email!: string;

  @ApiProperty()
  name!: string;

  @ApiProperty({ enum: USER_ROLES })
  role!: UserRole;

  @ApiPropertyOptional({ description: 'Present when the user is a mentor', nullable: true })
  mentor_id!: number | null;

  @ApiProperty()
  created_at!: string;

  static from(user: User, mentorId: number | null): UserDto {
    return {
      id: user.id,
      email: user.email,
      name: user.name,
      role: user.role,
      mentor_id: mentorId,
      created_at: user.createdAt.toISOString(),
    };
  }
}
