import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { METRICS, type MetricKey, type MetricKind } from './catalog.ts';

/**
 * The Prometheus registry built from the catalog (catalog.ts), with typed setters: a metric is
 * named by its catalog key, its labels are checked at compile time, and a kind mismatch (set on
 * a counter) does not type-check. Process defaults (`process_*`, `nodejs_*`) come on top.
 *
 *   metrics.inc('simulations', { mode: 'sim', status: 'ok' });
 *   metrics.set('blockLag', {}, 2);
 *   metrics.observe('stageLatency', { stage: 'scan' }, 0.004);
 */

type Spec<K extends MetricKey> = (typeof METRICS)[K];
/** Catalog keys of one kind. */
export type KeyOfKind<T extends MetricKind> = { [K in MetricKey]: Spec<K>['kind'] extends T ? K : never }[MetricKey];
/** The labels a metric takes, every one required. */
export type LabelsOf<K extends MetricKey> = { [L in Spec<K>['labels'][number]]: string };

/** The metrics service. */
export interface Metrics {
  readonly registry: Registry;
  /** Adds `value` (default 1) to a counter. */
  inc<K extends KeyOfKind<'counter'>>(key: K, labels: LabelsOf<K>, value?: number): void;
  /** Sets a gauge. */
  set<K extends KeyOfKind<'gauge'>>(key: K, labels: LabelsOf<K>, value: number): void;
  /** Records one observation of a histogram (seconds for durations). */
  observe<K extends KeyOfKind<'histogram'>>(key: K, labels: LabelsOf<K>, value: number): void;
  /**
   * Runs `collect` at every scrape, before the text is made: gauges read from a status (block
   * lag, pending ledger rows, the last backup's age) are set there instead of on every change.
   * Returns the function that removes it. A collector that throws is skipped, not the scrape.
   */
  onScrape(collect: () => void): () => void;
  /** The exposition text and its content type. */
  scrape(): Promise<{ contentType: string; body: string }>;
}

// Seconds: HTTP answers and engine stages both live between 100 µs and a few seconds.
const BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/** A fresh registry holding every catalog metric (and the process defaults unless `defaults: false`). */
export function createMetrics(options: { defaults?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (options.defaults !== false) collectDefaultMetrics({ register: registry });
  const made = new Map<MetricKey, Counter | Gauge | Histogram>();
  for (const [key, spec] of Object.entries(METRICS) as Array<[MetricKey, Spec<MetricKey>]>) {
    const config = { name: spec.name, help: spec.help, labelNames: [...spec.labels], registers: [registry] };
    made.set(key, spec.kind === 'counter' ? new Counter(config) : spec.kind === 'gauge' ? new Gauge(config) : new Histogram({ ...config, buckets: BUCKETS }));
  }
  const get = <T>(key: MetricKey): T => made.get(key) as T;
  const collectors = new Set<() => void>();
  return {
    registry,
    inc: (key, labels, value = 1) => get<Counter>(key).inc(labels as Record<string, string>, value),
    set: (key, labels, value) => get<Gauge>(key).set(labels as Record<string, string>, value),
    observe: (key, labels, value) => get<Histogram>(key).observe(labels as Record<string, string>, value),
    onScrape(collect) {
      collectors.add(collect);
      return () => collectors.delete(collect);
    },
    async scrape() {
      for (const collect of collectors) {
        try {
          collect();
        } catch {
          // A status that cannot be read now leaves its gauges at their last value.
        }
      }
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}

let processMetrics: Metrics | undefined;

/** The process-wide metrics the engine and the API set and `/metrics` serves. */
export function processWideMetrics(): Metrics {
  processMetrics ??= createMetrics();
  return processMetrics;
}
