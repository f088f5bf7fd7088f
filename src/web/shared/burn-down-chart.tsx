import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { isZero, toPlotNumber } from './amounts.ts';
import { formatDate, formatTime } from './format.ts';
import type { BalanceHistory, Grant, Runway } from './types.ts';

/** The y axis's marks are grid lines, not amounts (floats, for pixels): big magnitudes are written short to fit. */
const AXIS_FONT = '12px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
const plain = new Intl.NumberFormat('en', { maximumFractionDigits: 6 });
const compact = new Intl.NumberFormat('en', { notation: 'compact', maximumFractionDigits: 1 });
const scientific = new Intl.NumberFormat('en', { notation: 'scientific', maximumFractionDigits: 1 });
function axisMark(value: number): string {
  const magnitude = Math.abs(value);
  return (magnitude < 1e6 ? plain : magnitude < 1e15 ? compact : scientific).format(value);
}
/**
 * The time axis's marks: uPlot's own (a rollover line under the first mark of each day or year), but hours on the
 * 24-hour clock and days as 'Dec 8' (uPlot's defaults are 9am, 12pm and 12/8, read either way round). Rows: the smallest step in seconds,
 * the mark, then what goes under it when the year, month, day, hour, minute or second rolls over; 1: both shown.
 */
const TIME_MARKS: uPlot.Axis.TimeValuesConfig = [
  [365 * 86_400, '{YYYY}', null, null, null, null, null, null, 1],
  [28 * 86_400, '{MMM}', '\n{YYYY}', null, null, null, null, null, 1],
  [86_400, '{MMM} {D}', '\n{YYYY}', null, null, null, null, null, 1],
  [3_600, '{HH}:{mm}', '\n{MMM} {D} {YYYY}', null, '\n{MMM} {D}', null, null, null, 1],
  [60, '{HH}:{mm}', '\n{MMM} {D} {YYYY}', null, '\n{MMM} {D}', null, null, null, 1],
  [1, ':{ss}', '\n{MMM} {D} {YYYY} {HH}:{mm}', null, '\n{MMM} {D} {HH}:{mm}', null, '\n{HH}:{mm}', null, 1],
];
let measuring: CanvasRenderingContext2D | null = null;
/** The y axis's width: its longest mark, the tick and the gap, so no mark is cut off at the left. */
function axisWidth(marks: readonly string[] | null): number {
  measuring ??= document.createElement('canvas').getContext('2d');
  if (!measuring) return 60;
  measuring.font = AXIS_FONT;
  const widest = Math.max(0, ...(marks ?? []).map((mark) => measuring!.measureText(mark).width));
  return Math.max(40, Math.ceil((widest + 10 + 5 + 6) / 4) * 4);
}

/**
 * Balance over time (available, from GET /v1/balances/history), with each grant's
 * expiry marked and the runway projected as a dashed line to `depletesAt`. uPlot
 * takes numbers: amounts become floats here for pixels only (the axis's marks are
 * grid lines); every figure a person reads (the cards, the tables) is the API's exact string.
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
        // The time axis in UTC, like every time on these pages (uPlot's default is the browser's zone).
        tzDate: (seconds) => uPlot.tzDate(new Date(seconds * 1000), 'Etc/UTC'),
        legend: { show: false },
        scales: { x: { time: true }, y: { range: (_self, _min, max) => [0, max > 0 ? max * 1.1 : 1] } },
        axes: [
          { stroke: '#475569', grid: { stroke: '#e2e8f0' }, values: TIME_MARKS },
          { stroke: '#475569', grid: { stroke: '#e2e8f0' }, font: AXIS_FONT, values: (_self, splits) => splits.map(axisMark), size: (_self, marks) => axisWidth(marks) },
        ],
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
  // A line at 0 says nothing, and uPlot would invent an axis for it (0 to 1 in steps of 0.2): words instead.
  if ([history.opening.available, ...history.data.map((point) => point.available)].every(isZero)) {
    return (
      <div className="chart chart-empty" data-testid="burn-down-empty">
        {grants.length === 0 ? (
          <div>
            <p>
              <strong>No balance history yet</strong>
            </p>
            <p className="small">The burn-down chart starts with the first grant of {unit}.</p>
          </div>
        ) : (
          <div>
            <p>
              <strong>Nothing available to chart</strong>
            </p>
            <p className="small">
              Available {unit} was 0 from <span className="nowrap">{formatDate(history.opening.at)}</span> to <span className="nowrap">{formatDate(last?.end ?? history.opening.at)}</span>.
            </p>
          </div>
        )}
      </div>
    );
  }
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
