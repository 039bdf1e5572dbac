import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { CACHE_EVICT_METADATA, CACHED_METADATA } from '../cache.constants.js';
import type { CachedOptions, EvictPatterns } from './cache.decorators.js';
import { CacheService } from '../cache.service.js';

type AsyncMethod = (...args: unknown[]) => Promise<unknown>;

/** Finds @Cached() / @CacheEvict() methods on singleton providers at start and wraps them. */
@Injectable()
export class CachedMethodsExplorer implements OnModuleInit {
  private readonly logger = new Logger(CachedMethodsExplorer.name);

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly reflector: Reflector,
    private readonly cache: CacheService,
  ) {}

  onModuleInit(): void {
    for (const wrapper of this.discovery.getProviders()) {
      const instance: unknown = wrapper.instance;
      if (!instance || typeof instance !== 'object' || !Object.getPrototypeOf(instance)) continue;
      for (const name of this.scanner.getAllMethodNames(Object.getPrototypeOf(instance) as object)) {
        this.wrapMethod(instance as Record<string, unknown>, name, wrapper.isDependencyTreeStatic());
      }
    }
  }

  private wrapMethod(instance: Record<string, unknown>, name: string, isSingleton: boolean): void {
    if (typeof instance[name] !== 'function') return;
    const original = instance[name] as AsyncMethod;
    const cached = this.reflector.get<CachedOptions | undefined>(CACHED_METADATA, original);
    const evict = this.reflector.get<EvictPatterns | undefined>(CACHE_EVICT_METADATA, original);
    if (!cached && !evict) return;
    const owner = `${instance.constructor.name}.${name}`;
    if (!isSingleton) {
      this.logger.warn(`${owner}: @Cached()/@CacheEvict() only work on singleton providers; left uncached`);
      return;
    }
    const cache = this.cache;
    let method: AsyncMethod = (...args) => original.apply(instance, args);
    if (evict) {
      const inner = method;
      method = (...args) => cache.evictAfter((evict as (...args: unknown[]) => string[])(...args), () => inner(...args));
    }
    if (cached) {
      const inner = method;
      method = (...args) => cache.cachedCall(cached, args, () => inner(...args));
    }
    instance[name] = method;
  }
}
