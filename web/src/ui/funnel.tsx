import type { Funnel } from '../api/health.ts';
import { formatCount } from '../format/amount.ts';

/**
 * The funnel from prediction to realized profit: each stage's count and its share of the
 * detected ones, then what fell out on the way (rejections by rule, reverts by reason).
 */
export function FunnelView({ funnel }: { funnel: Funnel }) {
  const stages: [string, number][] = [
    ['detected', funnel.detected],
    ['planned', funnel.planned],
    ['simulated ok', funnel.simulated.ok],
    ['submitted', funnel.submitted],
    ['included', funnel.included],
    ['realized', funnel.realized],
  ];
  const top = Math.max(1, funnel.detected);
  const rules = Object.entries(funnel.rejectedByRule);
  const reverts = Object.entries(funnel.revertsByReason);
  return (
    <div className="funnel">
      <ol className="funnel-stages" aria-label="funnel">
        {stages.map(([name, count]) => (
          <li key={name}>
            <span className="funnel-name">{name}</span>
            <span className="funnel-bar" aria-hidden="true">
              <span style={{ width: `${Math.round((count / top) * 100)}%` }} />
            </span>
            <span className="funnel-count" data-testid={`funnel-${name.replace(' ', '-')}`}>
              {formatCount(count)}
            </span>
          </li>
        ))}
      </ol>
      <div className="funnel-losses">
        <p>
          Rejected: <strong>{formatCount(funnel.rejected)}</strong>
          {rules.length === 0 ? ' (none)' : ': ' + rules.map(([rule, n]) => `${rule} ${formatCount(n)}`).join(', ')}
        </p>
        <p>
          Simulations reverted {formatCount(funnel.simulated.reverted)}, failed {formatCount(funnel.simulated.failed)}, skipped {formatCount(funnel.simulated.skipped)}
          {reverts.length === 0 ? '' : ' — ' + reverts.map(([reason, n]) => `${reason} ${formatCount(n)}`).join(', ')}
        </p>
      </div>
    </div>
  );
}
