/** Injection token of the prom-client Registry every module registers its Prometheus metrics on. */
export const PROMETHEUS_REGISTRY = Symbol('mentorhub:metrics:prometheus-registry');

/** Metadata key set by @MeasureTime() on the measured method (its resolved options). */
export const MEASURE_TIME_METADATA = 'mentorhub:metrics:measure-time';

/** Path of the Prometheus scrape endpoint, outside the /api/v1 prefix like most exporters. */
export const PROMETHEUS_PATH = 'metrics';

/** The one bucket every request that matched no route shares, whatever its method or URL. */
export const UNMATCHED_ENDPOINT = '(unmatched)';
/** Where new series go once the cap on distinct series is reached. */
export const OVERFLOW_ENDPOINT = '(overflow)';
/** Method shown for the shared buckets above. */
export const ANY_METHOD = '*';

/** Status recorded when the client closed the connection before the response was complete (nginx's convention). */
export const CLIENT_CLOSED_REQUEST = 499;

/** Size of the sliding window behind requests_per_second and the recent error rate. */
export const RECENT_WINDOW_SECONDS = 60;

/** Prometheus metric names. */
export const HTTP_DURATION_METRIC = 'http_server_request_duration_seconds';
export const OPERATION_DURATION_METRIC = 'mentorhub_operation_duration_seconds';
