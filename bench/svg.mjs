// Grouped bar charts as standalone SVG for docs/benchmarks.md: one group per model (or per load), one bar
// per side, an optional logarithmic axis for figures that span decades, and each bar's value above it.

const COLORS = ['#2563eb', '#f97316', '#a855f7', '#16a34a', '#64748b'];
const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A compact label for a value: 3 significant figures, thousands as k. */
export function short(v) {
  if (!Number.isFinite(v)) return 'n/a';
  if (v >= 10_000) return `${Math.round(v / 1000).toLocaleString('en')}k`;
  if (v >= 100 || Number.isInteger(v)) return Math.round(v).toLocaleString('en');
  if (v >= 10) return v.toFixed(1);
  return String(Number(v.toPrecision(2)));
}

function ticks(lo, hi, log) {
  if (log) {
    const out = [];
    for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) out.push(10 ** e);
    return out;
  }
  const step = 10 ** Math.floor(Math.log10(hi / 4 || 1));
  const n = [1, 2, 5, 10].find((m) => hi / (step * m) <= 6) ?? 10;
  const out = [];
  for (let v = 0; v <= hi * 1.0001 + step * n; v += step * n) out.push(v);
  return out;
}

/**
 * groups: labels along the axis; series: [{ name, values, color? }] with one value per group (null: not
 * measured).
 * unit: the axis title; log: logarithmic axis.
 */
export function barChart({
  title,
  unit,
  groups,
  series,
  log = false,
  width = 760,
  height: baseHeight = 340,
}) {
  let height = baseHeight;
  const values = series.flatMap((s) => s.values).filter((v) => Number.isFinite(v) && v > 0);
  const lo = log ? 10 ** Math.floor(Math.log10(Math.min(...values))) : 0;
  // Headroom above the tallest bar for its label.
  const tickValues = ticks(lo || 1, Math.max(...values) * (log ? 1 : 1.15), log);
  const hi = tickValues[tickValues.length - 1];
  // The legend's entries flow in rows under the axis; the chart grows by the rows it needs.
  const legend = [];
  let lx = 72;
  let row = 0;
  for (const { name } of series) {
    const w = 30 + name.length * 7;
    if (lx + w > width - 16 && lx > 72) {
      row++;
      lx = 72;
    }
    legend.push({ x: lx, row });
    lx += w;
  }
  const m = { top: 48, right: 16, bottom: 40 + 18 * (row + 1), left: 72 };
  const plotW = width - m.left - m.right;
  const plotH = height - 48 - 56;
  height = m.top + plotH + m.bottom;
  const y = (v) =>
    m.top +
    plotH -
    (log ? ((Math.log10(v) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))) * plotH : (v / hi) * plotH);
  const groupW = plotW / groups.length;
  const barW = Math.min(36, (groupW * 0.8) / series.length);
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" font-size="12">`,
    `<title>${esc(title)}</title>`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    `<text x="${m.left}" y="20" font-size="15" font-weight="600">${esc(title)}</text>`,
    `<text transform="translate(14 ${m.top + plotH / 2}) rotate(-90)" text-anchor="middle" fill="#444">${esc(unit)}${log ? ' (log scale)' : ''}</text>`,
  ];
  for (const t of tickValues) {
    parts.push(
      `<line x1="${m.left}" x2="${width - m.right}" y1="${y(t).toFixed(1)}" y2="${y(t).toFixed(1)}" stroke="#e5e7eb"/>`,
      `<text x="${m.left - 6}" y="${(y(t) + 4).toFixed(1)}" text-anchor="end" fill="#444">${short(t)}</text>`,
    );
  }
  groups.forEach((g, gi) => {
    const x0 = m.left + gi * groupW + (groupW - barW * series.length) / 2;
    series.forEach((s, si) => {
      const v = s.values[gi];
      if (!Number.isFinite(v) || v <= 0) return;
      const x = x0 + si * barW;
      const top = y(Math.max(v, lo || 0));
      parts.push(
        `<rect x="${x.toFixed(1)}" y="${top.toFixed(1)}" width="${(barW - 2).toFixed(1)}" height="${(m.top + plotH - top).toFixed(1)}" fill="${series[si].color ?? COLORS[si % COLORS.length]}"><title>${esc(`${s.name}, ${g}: ${v}`)}</title></rect>`,
        // Narrow bars get their value written upwards, so that neighbours' labels do not overlap.
        barW < 30
          ? `<text transform="translate(${(x + barW / 2 + 2).toFixed(1)} ${(top - 4).toFixed(1)}) rotate(-90)" font-size="10" fill="#222">${short(v)}</text>`
          : `<text x="${(x + barW / 2 - 1).toFixed(1)}" y="${(top - 4).toFixed(1)}" text-anchor="middle" font-size="10" fill="#222">${short(v)}</text>`,
      );
    });
    parts.push(
      `<text x="${(m.left + gi * groupW + groupW / 2).toFixed(1)}" y="${m.top + plotH + 18}" text-anchor="middle">${esc(g)}</text>`,
    );
  });
  parts.push(
    `<line x1="${m.left}" x2="${width - m.right}" y1="${m.top + plotH}" y2="${m.top + plotH}" stroke="#444"/>`,
  );
  legend.forEach(({ x, row }, si) => {
    const y = m.top + plotH + 34 + row * 18;
    parts.push(
      `<rect x="${x}" y="${y}" width="12" height="12" fill="${series[si].color ?? COLORS[si % COLORS.length]}"/>`,
      `<text x="${x + 16}" y="${y + 10}">${esc(series[si].name)}</text>`,
    );
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
