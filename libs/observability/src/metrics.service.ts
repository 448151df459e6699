import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * Prometheus metrics (prom-client) on a registry of our own, so tests can build several apps in one
 * process without "metric already registered" errors.
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();

  readonly httpDuration = new Histogram({
    name: 'fjord_http_request_duration_seconds',
    help: 'HTTP request latency by route and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  readonly ingestionStageDuration = new Histogram({
    name: 'fjord_ingestion_stage_duration_seconds',
    help: 'Time spent per document in each ingestion stage',
    labelNames: ['stage'] as const,
    buckets: [0.005, 0.025, 0.1, 0.25, 1, 2.5, 10, 30, 120],
    registers: [this.registry],
  });

  readonly ingestionDocuments = new Counter({
    name: 'fjord_ingestion_documents_total',
    help: 'Documents finished by the ingestion pipeline, by outcome',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  readonly queueDepth = new Gauge({
    name: 'fjord_ingestion_queue_depth',
    help: 'Documents waiting or being processed, by process_status name',
    labelNames: ['state'] as const,
    registers: [this.registry],
  });

  private readonly scrapeHooks: Array<() => Promise<void>> = [];

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'fjord_' });
  }

  /** Gauges read from the database (queue depth) are refreshed when scraped, not on a timer. */
  onScrape(hook: () => Promise<void>): void {
    this.scrapeHooks.push(hook);
  }

  async render(): Promise<{ contentType: string; body: string }> {
    await Promise.all(this.scrapeHooks.map((hook) => hook().catch(() => undefined)));
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
