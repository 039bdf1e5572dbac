/** Injection token of the prom-client Registry every module registers its Prometheus metrics on. */
export const PROMETHEUS_REGISTRY = Symbol('mentorhub:metrics:prometheus-registry');
