import { Injectable } from '@nestjs/common';

export type MetricsSection = () => unknown;

/**
 * Lets other modules (cache, backup, …) add a named section to the admin metrics JSON without
 * the metrics module depending on them: they register a snapshot function at start.
 */
@Injectable()
export class MetricsSectionsRegistry {
  private readonly sections = new Map<string, MetricsSection>();

  register(name: string, snapshot: MetricsSection): void {
    this.sections.set(name, snapshot);
  }

  snapshot(): Record<string, unknown> {
    return Object.fromEntries([...this.sections].map(([name, read]) => [name, read()]));
  }
}
