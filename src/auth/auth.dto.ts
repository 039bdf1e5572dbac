import { ApiProperty } from '@nestjs/swagger';
import { IsEmail, IsString, MaxLength, MinLength } from 'class-validator';

export class LoginDto {
  @ApiProperty({ example: 'admin@mentorhub.local' })
  @IsEmail()
  @MaxLength(254)
  email!: string;

  @ApiProperty({ example: 'change-me-please' })
  @IsString()
  @MinLength(1)
  @MaxLength(256)
  password!: string;
}

export class TokenDto {
  @ApiProperty()
  access_token!: string;

  @ApiProperty({ example: 'bearer' })
  token_type!: 'bearer';

  @ApiProperty({ description: 'Seconds until the token expires' })
  expires_in!: number;
}
