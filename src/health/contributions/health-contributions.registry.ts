import { Injectable, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { HEALTH_CONTRIBUTION, type HealthContribution, type HealthContributionOptions } from './health-contribution.js';

export interface RegisteredContribution extends HealthContributionOptions {
  contribution: HealthContribution;
}

/** The @ContributesToHealth() providers of the application, found once every module's providers exist. */
@Injectable()
export class HealthContributionsRegistry implements OnModuleInit {
  private registered: RegisteredContribution[] = [];

  constructor(private readonly discovery: DiscoveryService) {}

  onModuleInit(): void {
    this.registered = this.discovery.getProviders({ metadataKey: HEALTH_CONTRIBUTION.KEY }).flatMap((wrapper) => {
      const options = this.discovery.getMetadataByDecorator(HEALTH_CONTRIBUTION, wrapper);
      const contribution = wrapper.instance as HealthContribution | undefined;
      return options && contribution ? [{ ...options, contribution }] : [];
    });
  }

  all(): readonly RegisteredContribution[] {
    return this.registered;
  }
}
