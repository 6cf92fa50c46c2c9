// Inline SVG for the report: line charts over a run's time and lanes of intervals (faults, phases, the
// real incident) on the same x axis, so a reader's eye can drop straight down from a phase to the
// curves it explains. Plain strings, no library and no script: the report must open anywhere, offline.

export interface Line {
  label: string;
  color: string;
  /** [ms from run start, value]; null breaks the line (nothing was measured then). */
  points: [number, number | null][];
  dashed?: boolean;
}

export interface Band {
  start: number;
  end: number;
  label: string;
  /**
   * fault windows shade the whole plot; phases are marked by a strip on top and lines at their edges; a
   * mark (a game day's responders acting) is a line across the plot at `start`
   */
  kind: 'fault' | 'phase' | 'mark';
  color?: string;
  /** phases: which strip (0-3) above the plot, so that overlapping phases stay apart */
  row?: number;
}

export interface ChartOptions {
  title: string;
  xMax: number;
  lines: Line[];
  bands?: Band[];
  yMin?: number;
  yMax?: number;
  unit?: string;
  width?: number;
  height?: number;
}

export interface LaneRow {
  label: string;
  bars: { start: number; end: number; label: string; color: string; title?: string }[];
  marks?: { at: number; label: string }[];
}

/** Charts and lanes share these, so that the same time is at the same x everywhere on the page. */
export const LAYOUT = { width: 1000, left: 170, right: 16 };

export const esc = (s: unknown) => String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
const num = (n: number) => (Math.round(n * 10) / 10).toString();

/** 1, 2 or 5 times a power of ten, so that about `count` steps cover `range`. */
export function niceStep(range: number, count = 4): number {
  if (!(range > 0)) return 1;
  const raw = range / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const f = raw / power;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * power;
}

export function formatSeconds(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 180) return `${s} s`;
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

function formatValue(v: number): string {
  if (Math.abs(v) >= 10_000) return `${num(v / 1000)}k`;
  return Number.isInteger(v) ? String(v) : v.toFixed(Math.abs(v) < 1 ? 2 : 1);
}

function xAxis(xMax: number, x: (ms: number) => number, y0: number, top: number): string {
  const step = niceStep(xMax, 8);
  const ticks: string[] = [];
  for (let t = 0; t <= xMax + 1e-9; t += step) {
    ticks.push(`<line class="grid" x1="${num(x(t))}" x2="${num(x(t))}" y1="${top}" y2="${y0}"/><text class="tick" x="${num(x(t))}" y="${y0 + 14}" text-anchor="middle">${formatSeconds(t)}</text>`);
  }
  return ticks.join('');
}

export function lineChart(opts: ChartOptions): string {
  const width = opts.width ?? LAYOUT.width;
  const height = opts.height ?? 170;
  const top = 24;
  const bottom = height - 22;
  const left = LAYOUT.left;
  const right = width - LAYOUT.right;
  const xMax = Math.max(1, opts.xMax);
  const x = (ms: number) => left + ((right - left) * Math.min(Math.max(ms, 0), xMax)) / xMax;

  const values = opts.lines.flatMap((l) => l.points.map((p) => p[1]).filter((v): v is number => v !== null && Number.isFinite(v)));
  const yMin = opts.yMin ?? Math.min(0, ...values);
  let yMax = opts.yMax ?? Math.max(...values, yMin + 1);
  if (opts.yMax === undefined) yMax = Math.ceil(yMax / niceStep(yMax - yMin)) * niceStep(yMax - yMin);
  if (yMax <= yMin) yMax = yMin + 1;
  const y = (v: number) => bottom - ((bottom - top) * (Math.min(Math.max(v, yMin), yMax) - yMin)) / (yMax - yMin);

  const parts: string[] = [];
  const yStep = niceStep(yMax - yMin, 4);
  for (let v = Math.ceil(yMin / yStep) * yStep; v <= yMax + 1e-9; v += yStep) {
    parts.push(`<line class="grid" x1="${left}" x2="${right}" y1="${num(y(v))}" y2="${num(y(v))}"/><text class="tick" x="${left - 6}" y="${num(y(v) + 4)}" text-anchor="end">${formatValue(v)}${esc(opts.unit ?? '')}</text>`);
  }
  parts.push(xAxis(xMax, x, bottom, top));
  for (const band of opts.bands ?? []) {
    const x1 = x(band.start);
    const w = Math.max(1.5, x(band.end) - x1);
    if (band.kind === 'fault') {
      parts.push(`<rect class="fault-window" x="${num(x1)}" y="${top}" width="${num(w)}" height="${bottom - top}"><title>${esc(band.label)}</title></rect>`);
    } else if (band.kind === 'mark') {
      parts.push(`<g class="action-mark"><line x1="${num(x1)}" x2="${num(x1)}" y1="${top}" y2="${bottom}" stroke="${band.color ?? '#202124'}"/><title>${esc(band.label)}</title></g>`);
    } else {
      const color = band.color ?? '#d93025';
      const strip = 2 + 5 * Math.min(3, band.row ?? 0);
      parts.push(
        `<g class="phase-mark"><rect x="${num(x1)}" y="${strip}" width="${num(w)}" height="4" fill="${color}"><title>${esc(band.label)}</title></rect>` +
          `<line x1="${num(x1)}" x2="${num(x1)}" y1="${strip}" y2="${bottom}" stroke="${color}" stroke-dasharray="3 3"/>` +
          `<line x1="${num(x1 + w)}" x2="${num(x1 + w)}" y1="${strip}" y2="${bottom}" stroke="${color}" stroke-dasharray="1 4"/></g>`,
      );
    }
  }
  for (const line of opts.lines) {
    let d = '';
    let pen = false;
    for (const [t, v] of line.points) {
      if (v === null || !Number.isFinite(v)) {
        pen = false;
        continue;
      }
      d += `${pen ? 'L' : 'M'}${num(x(t))} ${num(y(v))}`;
      pen = true;
    }
    if (d) parts.push(`<path class="series" d="${d}" stroke="${line.color}"${line.dashed ? ' stroke-dasharray="5 3"' : ''}><title>${esc(line.label)}</title></path>`);
  }
  if (values.length === 0) parts.push(`<text class="empty" x="${(left + right) / 2}" y="${(top + bottom) / 2}" text-anchor="middle">not measured in this run</text>`);
  const legend = opts.lines.map((l) => `<span class="key"><i style="background:${l.color}"></i>${esc(l.label)}</span>`).join('');
  return `<figure class="chart"><figcaption><b>${esc(opts.title)}</b>${legend}</figcaption><svg viewBox="0 0 ${width} ${height}" width="100%" role="img" aria-label="${esc(opts.title)}">${parts.join('')}</svg></figure>`;
}

/** Whether dark text reads better than white on this #rrggbb colour. */
function light(color: string): boolean {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(color);
  if (!m) return false;
  const [r, g, b] = [m[1], m[2], m[3]].map((h) => parseInt(h as string, 16)) as [number, number, number];
  return 0.299 * r + 0.587 * g + 0.114 * b > 160;
}

/** A lane label's font (10px) is about this wide per character, generously; and the room kept around one. */
export const LABEL_CHAR_PX = 6;
const LABEL_PAD = 6;

/** The label cut to what fits in `px` (an ellipsis where cut), or '' when fewer than three characters fit. */
export function fitLabel(label: string, px: number): string {
  const chars = Math.floor(px / LABEL_CHAR_PX);
  if (label.length <= chars) return label;
  return chars < 3 ? '' : `${label.slice(0, chars - 1)}…`;
}

/** Rows of labelled intervals on the charts' x axis. */
export function lanes(rows: LaneRow[], xMax: number, width = LAYOUT.width): string {
  const rowHeight = 22;
  const height = rows.length * rowHeight + 22;
  const left = LAYOUT.left;
  const right = width - LAYOUT.right;
  const span = Math.max(1, xMax);
  const x = (ms: number) => left + ((right - left) * Math.min(Math.max(ms, 0), span)) / span;
  const parts: string[] = [xAxis(span, x, height - 20, 0)];
  rows.forEach((row, i) => {
    const top = i * rowHeight + 2;
    parts.push(`<rect class="lane" x="${left}" y="${top}" width="${right - left}" height="${rowHeight - 4}"/><text class="lane-label" x="${left - 6}" y="${top + 14}" text-anchor="end">${esc(row.label)}</text>`);
    const bars = [...row.bars].sort((a, b) => a.start - b.start);
    bars.forEach((bar, j) => {
      const x1 = x(bar.start);
      const w = Math.max(2, x(bar.end) - x1);
      // A label runs on past its bar until the next bar's label begins, and is cut short before it (with
      // an ellipsis; the whole of it stays in the bar's title): faults that start within a second of
      // each other would otherwise write over one another. Of bars that start together, the last one
      // is labelled.
      const next = bars[j + 1];
      const text = fitLabel(bar.label, (next ? x(next.start) : right) - x1 - LABEL_PAD);
      parts.push(
        `<g class="lane-bar"><rect x="${num(x1)}" y="${top}" width="${num(w)}" height="${rowHeight - 4}" fill="${bar.color}"><title>${esc(bar.title ?? bar.label)}</title></rect>` +
          (text ? `<text x="${num(x1 + 3)}" y="${top + 13}"${light(bar.color) ? ' class="on-light"' : ''}>${esc(text)}</text>` : '') +
          '</g>',
      );
    });
    for (const mark of row.marks ?? []) {
      parts.push(`<g class="lane-mark"><line x1="${num(x(mark.at))}" x2="${num(x(mark.at))}" y1="${top - 1}" y2="${top + rowHeight - 3}"/><title>${esc(mark.label)}</title></g>`);
    }
  });
  return `<svg class="lanes" viewBox="0 0 ${width} ${height}" width="100%" role="img" aria-label="timeline lanes">${parts.join('')}</svg>`;
}
