import { describe, expect, it } from 'vitest';
import { METRICS } from './catalog.ts';
import { createMetrics } from './registry.ts';

describe('metrics registry', () => {
  it('registers every catalog metric under its name and kind, plus the process defaults', async () => {
    const metrics = createMetrics();
    const { body, contentType } = await metrics.scrape();
    expect(contentType).toMatch(/^text\/plain/);
    for (const spec of Object.values(METRICS)) expect(body, spec.name).toContain(`# TYPE ${spec.name} ${spec.kind}`);
    expect(body).toContain('# TYPE process_cpu_user_seconds_total counter');
    expect(body).toContain('# TYPE nodejs_heap_size_used_bytes gauge');
  });

  it('inc, set and observe reach the exposition with their labels', async () => {
    const metrics = createMetrics({ defaults: false });
    metrics.inc('simulations', { mode: 'sim', status: 'ok' });
    metrics.inc('simulations', { mode: 'sim', status: 'ok' }, 2);
    metrics.set('blockLag', {}, 4);
    metrics.observe('stageLatency', { stage: 'scan' }, 0.003);
    const { body } = await metrics.scrape();
    expect(body).toContain('orion_simulations_total{mode="sim",status="ok"} 3');
    expect(body).toContain('orion_block_lag_blocks 4');
    expect(body).toContain('orion_stage_latency_seconds_bucket{le="0.005",stage="scan"} 1');
    expect(body).toContain('orion_stage_latency_seconds_bucket{le="0.0025",stage="scan"} 0');
    expect(body).toContain('orion_stage_latency_seconds_count{stage="scan"} 1');
  });
});
