import { Inject, Injectable } from '@nestjs/common';
import { Gauge, type Registry } from 'prom-client';
import { metricsConfig, type MetricsConfig } from '../config/metrics.config.js';
import { PROMETHEUS_REGISTRY } from '../metrics.constants.js';

interface BuildInfo {
  version: string;
  revision: string;
  node_version: string;
}

/**
 * `mentorhub_build_info{version,revision,node_version} 1`, the usual info gauge: joined on
 * `instance`, it tells which build each pod runs (a rollout half done, a pod left behind).
 */
@Injectable()
export class BuildInfoMetrics {
  readonly info: BuildInfo;

  constructor(@Inject(metricsConfig.KEY) config: MetricsConfig, @Inject(PROMETHEUS_REGISTRY) registry: Registry) {
    this.info = {
      version: config.build?.version ?? 'unknown',
      revision: config.build?.revision ?? 'unknown',
      node_version: process.version,
    };
    new Gauge({
      name: 'mentorhub_build_info',
      help: 'The build this process runs (value 1): package version, source revision, Node.js version',
      labelNames: ['version', 'revision', 'node_version'],
      registers: [registry],
    }).set({ ...this.info }, 1);
  }
}
