import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export const REPORT_STATUSES = ['healthy', 'degraded', 'error'] as const;
export type ReportStatus = (typeof REPORT_STATUSES)[number];
export const CHECK_STATUSES = ['ok', 'warn', 'critical'] as const;
export type CheckStatus = (typeof CHECK_STATUSES)[number];

export class HealthIssueDto {
  @ApiProperty({ example: 'cpu' })
  check!: string;

  @ApiProperty({ enum: ['warn', 'critical'] })
  status!: Exclude<CheckStatus, 'ok'>;

  @ApiPropertyOptional({ example: 93.5, description: 'The value observed, when the check measures one' })
  observed?: number | string | null;

  @ApiPropertyOptional({ example: 90 })
  threshold?: number | null;

  @ApiProperty({ example: 'CPU usage above 90%' })
  message!: string;
}

export class HealthCheckDto {
  @ApiProperty()
  check!: string;

  @ApiProperty({ enum: CHECK_STATUSES })
  status!: CheckStatus;

  @ApiPropertyOptional()
  observed?: number | string | null;

  @ApiPropertyOptional()
  threshold?: number | null;

  @ApiPropertyOptional()
  message?: string;

  @ApiProperty({ description: 'How long the check took' })
  duration_ms!: number;
}

export class HealthReportDto {
  @ApiProperty({ enum: REPORT_STATUSES })
  status!: ReportStatus;

  @ApiProperty({
    example: 'mentorhub-api-7d9f8-x2k4q',
    description: 'The replica that answered: INSTANCE_ID, or a digest of it in a public report',
  })
  instance!: string;

  @ApiProperty({ type: [HealthIssueDto] })
  issues!: HealthIssueDto[];

  @ApiProperty({ description: 'Figures behind the checks (no secrets)' })
  metrics!: Record<string, unknown>;

  @ApiProperty({ type: [HealthCheckDto] })
  checks!: HealthCheckDto[];

  @ApiProperty()
  timestamp!: string;
}
