// Draws the scaling benchmark's curves as SVG files beside its JSON (no browser, no dependency):
// messages/s and CPU µs per message against pairs, RSS against idle connections; baseline and ours.
// Usage: node bench/plot.mjs [bench/results/scaling.json]   (npm run bench runs it)
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const COLORS = { baseline: '#888', ours: '#1a73e8' };
const W = 560, H = 320, M = { left: 64, right: 110, top: 36, bottom: 48 };
const esc = (s) => String(s).replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]);
const nice = (max) => {
  if (!(max > 0)) return 1;
  const step = 10 ** Math.floor(Math.log10(max));
  return [1, 2, 5, 10].map((k) => k * step).find((v) => v >= max);
};

/** One chart: `series` maps a name to [x, y] points; x on a log scale when it spans 10× or more. */
export function chart({ title, xLabel, yLabel, series }) {
  const points = Object.values(series).flat().filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
  const xs = points.map(([x]) => x);
  const [xMin, xMax] = [Math.min(...xs), Math.max(...xs)];
  const log = xMin > 0 && xMax / xMin >= 10;
  const yMax = nice(Math.max(...points.map(([, y]) => y)) * 1.05);
  const pw = W - M.left - M.right, ph = H - M.top - M.bottom;
  const fx = (x) => M.left + (xMax === xMin ? pw / 2 : log ? (Math.log(x / xMin) / Math.log(xMax / xMin)) * pw : ((x - xMin) / (xMax - xMin)) * pw);
  const fy = (y) => M.top + ph - (y / yMax) * ph;
  const out = [`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
    `<text x="${M.left}" y="20" font-size="14" font-weight="bold">${esc(title)}</text>`];
  for (let i = 0; i <= 4; i++) {
    const y = (yMax * i) / 4;
    out.push(`<line x1="${M.left}" x2="${M.left + pw}" y1="${fy(y)}" y2="${fy(y)}" stroke="#eee"/>`,
      `<text x="${M.left - 6}" y="${fy(y) + 4}" text-anchor="end">${esc(+y.toPrecision(3))}</text>`);
  }
  for (const x of [...new Set(xs)].sort((a, b) => a - b)) {
    out.push(`<text x="${fx(x)}" y="${M.top + ph + 16}" text-anchor="middle">${esc(x)}</text>`);
  }
  out.push(`<line x1="${M.left}" x2="${M.left + pw}" y1="${M.top + ph}" y2="${M.top + ph}" stroke="#444"/>`,
    `<line x1="${M.left}" x2="${M.left}" y1="${M.top}" y2="${M.top + ph}" stroke="#444"/>`,
    `<text x="${M.left + pw / 2}" y="${H - 10}" text-anchor="middle">${esc(xLabel)}${log ? ' (log scale)' : ''}</text>`,
    `<text transform="translate(16 ${M.top + ph / 2}) rotate(-90)" text-anchor="middle">${esc(yLabel)}</text>`);
  Object.entries(series).forEach(([name, pts], i) => {
    const color = COLORS[name] ?? '#d93025';
    const path = pts.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y)).map(([x, y]) => `${fx(x).toFixed(1)},${fy(y).toFixed(1)}`);
    out.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${path.join(' ')}"/>`,
      ...path.map((p) => `<circle cx="${p.split(',')[0]}" cy="${p.split(',')[1]}" r="3" fill="${color}"/>`),
      `<rect x="${M.left + pw + 14}" y="${M.top + i * 20}" width="12" height="12" fill="${color}"/>`,
      `<text x="${M.left + pw + 32}" y="${M.top + i * 20 + 10}">${esc(name)}</text>`);
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

/** The three SVGs of a scaling report, written beside it; returns their paths. */
export function plotScaling(file) {
  const report = JSON.parse(readFileSync(file, 'utf8'));
  const both = (rows, x, y) => Object.fromEntries(['baseline', 'ours'].map((k) => [k, rows.map((r) => [r[x], r[k][y]])]));
  const charts = {
    'scaling-throughput.svg': { title: 'Messages relayed per second (100 in flight per pair)', xLabel: 'pairs', yLabel: 'messages/s', series: both(report.relay, 'pairs', 'msgsPerSec') },
    'scaling-cpu.svg': { title: 'Server CPU per message', xLabel: 'pairs', yLabel: 'CPU µs/message', series: both(report.relay, 'pairs', 'cpuUsPerMsg') },
    'scaling-rss.svg': { title: 'Server memory with idle registered connections', xLabel: 'connections', yLabel: 'RSS MB', series: both(report.memory, 'connections', 'rssAfterMB') },
  };
  return Object.entries(charts).map(([name, spec]) => {
    const path = join(dirname(file), name);
    writeFileSync(path, chart(spec));
    return path;
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const path of plotScaling(process.argv[2] ?? 'bench/results/scaling.json')) console.log(`wrote ${path}`);
}
