import { AreaSeries, createChart, LineSeries, type UTCTimestamp } from 'lightweight-charts';
import { useEffect, useRef } from 'react';

/** One point of a curve: seconds since the epoch and a value in token units (for drawing only). */
export interface CurvePoint {
  time: number;
  value: number;
}

/**
 * The equity curve and its drawdown (lightweight-charts), one chart per question. Values are
 * floats here on purpose: a chart's pixels, not an amount anyone reads — the tables beside it
 * show the exact amounts.
 */
export function EquityChart({ equity, drawdown, label }: { equity: CurvePoint[]; drawdown: CurvePoint[]; label: string }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (box.current === null) return;
    const chart = createChart(box.current, {
      autoSize: true,
      layout: { background: { color: 'transparent' }, textColor: '#9aa5b1', attributionLogo: false },
      grid: { vertLines: { color: '#2a333d' }, horzLines: { color: '#2a333d' } },
      timeScale: { timeVisible: true },
    });
    const equitySeries = chart.addSeries(AreaSeries, { lineColor: '#4ea1ff', topColor: 'rgba(78,161,255,.35)', bottomColor: 'rgba(78,161,255,0)', title: `equity ${label}` });
    equitySeries.setData(dedupe(equity).map((p) => ({ time: p.time as UTCTimestamp, value: p.value })));
    const drawdownSeries = chart.addSeries(LineSeries, { color: '#f85149', lineWidth: 1, title: 'drawdown' }, 1);
    drawdownSeries.setData(dedupe(drawdown).map((p) => ({ time: p.time as UTCTimestamp, value: p.value })));
    chart.timeScale().fitContent();
    return () => chart.remove();
  }, [equity, drawdown, label]);
  return <div ref={box} className="chart" role="img" aria-label={`equity curve and drawdown in ${label}`} />;
}

/** lightweight-charts needs strictly increasing times: the last value of each second wins. */
function dedupe(points: CurvePoint[]): CurvePoint[] {
  const out: CurvePoint[] = [];
  for (const point of points) {
    if (out.length > 0 && out[out.length - 1]!.time >= point.time) out[out.length - 1] = { time: out[out.length - 1]!.time, value: point.value };
    else out.push(point);
  }
  return out;
}
