import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { toPlotNumber } from './amounts.ts';
import { formatTime } from './format.ts';
import type { BalanceHistory, Grant, Runway } from './types.ts';

/**
 * Balance over time (available, from GET /v1/balances/history), with each grant's
 * expiry marked and the runway projected as a dashed line to `depletesAt`. uPlot
 * takes numbers: amounts become floats here for pixels only; every figure a person
 * reads (the legend, the cards) is the API's exact string.
 */
export function BurnDownChart(props: { history: BalanceHistory; runway: Runway | undefined; grants: Grant[]; unit: string; label: string }) {
  const container = useRef<HTMLDivElement>(null);
  const { history, runway, grants, unit } = props;
  useEffect(() => {
    const element = container.current;
    if (!element) return;
    const times = [Date.parse(history.opening.at), ...history.data.map((point) => Date.parse(point.end))].map((ms) => ms / 1000);
    const balances = [history.opening.available, ...history.data.map((point) => point.available)];
    const exact = new Map(times.map((time, index) => [time, balances[index]!]));
    const now = times.at(-1)!;
    const depletes = runway?.depletesAt ? Date.parse(runway.depletesAt) / 1000 : null;
    // The projection runs from now to depletion, or across the chart's own span when that is further than twice the window.
    const horizon = depletes !== null ? Math.min(depletes, now + 2 * (now - times[0]!)) : null;
    const projectedEnd = depletes !== null && horizon !== null ? (depletes === horizon ? 0 : toPlotNumber(balances.at(-1)!) * (1 - (horizon - now) / (depletes - now))) : null;
    const xs = horizon !== null && horizon > now ? [...times, horizon] : times;
    const actual = [...balances.map(toPlotNumber), ...(xs.length > times.length ? [null] : [])];
    const projected = xs.map((time) => (time === now ? toPlotNumber(balances.at(-1)!) : time === horizon ? projectedEnd : null));
    const expiries = grants
      .filter((grant) => grant.expiresAt !== null)
      .map((grant) => Date.parse(grant.expiresAt!) / 1000)
      .filter((time) => time >= xs[0]! && time <= xs.at(-1)!);
    const width = Math.max(280, element.clientWidth);
    const plot = new uPlot(
      {
        width,
        height: width < 500 ? 200 : 260,
        cursor: { drag: { x: false, y: false } },
        legend: { show: false },
        scales: { x: { time: true }, y: { range: (_self, _min, max) => [0, max > 0 ? max * 1.1 : 1] } },
        axes: [{ stroke: '#475569', grid: { stroke: '#e2e8f0' } }, { stroke: '#475569', grid: { stroke: '#e2e8f0' }, size: 60 }],
        series: [
          {},
          { label: `available (${unit})`, stroke: '#4338ca', width: 2, fill: 'rgba(67,56,202,0.08)', spanGaps: false, points: { show: false } },
          { label: 'projected', stroke: '#b45309', width: 2, dash: [6, 4], spanGaps: true, points: { show: false } },
        ],
        hooks: {
          draw: [
            (chart) => {
              const context = chart.ctx;
              context.save();
              context.strokeStyle = '#dc2626';
              context.setLineDash([3, 3]);
              context.lineWidth = 1.5 * devicePixelRatio;
              for (const time of expiries) {
                const x = chart.valToPos(time, 'x', true);
                context.beginPath();
                context.moveTo(x, chart.bbox.top);
                context.lineTo(x, chart.bbox.top + chart.bbox.height);
                context.stroke();
              }
              context.restore();
            },
          ],
        },
      },
      [xs, actual, projected] as uPlot.AlignedData,
      element,
    );
    const resize = new ResizeObserver(() => plot.setSize({ width: Math.max(280, element.clientWidth), height: element.clientWidth < 500 ? 200 : 260 }));
    resize.observe(element);
    element.dataset.points = String(history.data.length);
    element.dataset.lastAvailable = exact.get(now) ?? '';
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [history, runway, grants, unit]);
  const last = history.data.at(-1);
  return (
    <figure className="chart">
      <div ref={container} data-testid="burn-down-chart" role="img" aria-label={`${props.label}: available ${unit} over time${last ? `, ${last.available} at ${formatTime(last.end)}` : ''}`} />
      <figcaption>
        <span className="key key-actual">available</span>
        <span className="key key-projected">projected at the recent burn rate</span>
        <span className="key key-expiry">a grant expires</span>
      </figcaption>
    </figure>
  );
}
