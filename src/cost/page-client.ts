// The cost page's script: reads the controls, prices them with the calculator and draws the chart. It
// runs in the browser: src/cost/page.ts embeds this function's source text, so, like costModel, it uses
// nothing from outside its body but its arguments and the browser's globals.
import type { CostEstimate, CostModel, Workload } from './calculator.js';
import type { ModelFigures } from './figures.js';

/** The little of the DOM the page uses (the project compiles without the DOM's types). */
export interface PageElement {
  value: string;
  textContent: string | null;
  innerHTML: string;
  hidden: boolean;
  setAttribute(name: string, value: string): void;
  addEventListener(type: string, listener: () => void): void;
}

export interface PageDocument {
  getElementById(id: string): PageElement | null;
}

export interface PageData {
  models: ModelFigures[];
  /** Where the model figures come from, for the reader. */
  origin: string;
}

export function runCostPage(doc: PageDocument, calc: CostModel, data: PageData): void {
  type OptionKey =
    | 'lambda'
    | 'apiGatewayRest'
    | 'apiGatewayHttp'
    | 'sagemakerRealtime'
    | 'sagemakerServerless';
  const OPTIONS: { key: OptionKey; name: string; color: string; dash: string }[] = [
    { key: 'lambda', name: 'Lambda alone', color: '#e8710a', dash: '' },
    { key: 'apiGatewayRest', name: 'Lambda + API Gateway REST', color: '#c5221f', dash: '' },
    { key: 'apiGatewayHttp', name: 'Lambda + API Gateway HTTP', color: '#1a73e8', dash: '' },
    { key: 'sagemakerRealtime', name: 'SageMaker real-time', color: '#188038', dash: '8 4' },
    { key: 'sagemakerServerless', name: 'SageMaker Serverless', color: '#9334e6', dash: '3 3' },
  ];
  const FIELD_LABELS: Record<keyof Workload, string> = {
    requestsPerMonth: 'requests a month',
    memoryMb: 'memory',
    durationMs: 'duration',
    arch: 'architecture',
    provisionedConcurrency: 'provisioned concurrency',
    provisionedHours: 'provisioned hours',
    instanceType: 'instance type',
    sagemakerInstances: 'SageMaker instances',
    payloadKb: 'payload',
  };
  const LOG_MIN = 4;
  const LOG_MAX = 10;
  const CHART = { width: 760, height: 420, left: 72, right: 16, top: 16, bottom: 46 };
  const SAMPLES = 120;

  function el(id: string): PageElement {
    const found = doc.getElementById(id);
    if (!found) throw new Error(`the cost page has no #${id}`);
    return found;
  }

  function escapeHtml(text: string): string {
    return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  }

  function formatMs(ms: number): string {
    return `${ms >= 100 ? Number(ms.toFixed(1)) : Number(ms.toPrecision(3))} ms`;
  }

  function readWorkload(): Workload {
    return calc.workload({
      requestsPerMonth: Math.round(10 ** Number(el('requests').value)),
      memoryMb: Number(el('memory').value),
      durationMs: Number(el('duration').value),
      arch: el('arch').value as Workload['arch'],
      provisionedConcurrency: Number(el('provisioned').value),
      instanceType: el('instance').value,
      sagemakerInstances: Number(el('instances').value),
      payloadKb: Number(el('payload').value),
    });
  }

  function axisUsd(exponent: number): string {
    return exponent < 0
      ? `$${Number((10 ** exponent).toFixed(-exponent))}`
      : `$${calc.formatCount(10 ** exponent)}`;
  }

  function drawChart(w: Workload, e: CostEstimate): void {
    const { width, height, left, right, top, bottom } = CHART;
    const plotWidth = width - left - right;
    const plotHeight = height - top - bottom;
    const logs: number[] = [];
    for (let i = 0; i <= SAMPLES; i++) logs.push(LOG_MIN + ((LOG_MAX - LOG_MIN) * i) / SAMPLES);
    const estimates = logs.map((x) => calc.estimate({ ...w, requestsPerMonth: 10 ** x }));
    const values = estimates.flatMap((est) =>
      OPTIONS.map((o) => est[o.key]).filter((v): v is number => v !== null && v > 0),
    );
    const yMin = Math.max(-3, Math.floor(Math.log10(Math.min(...values))));
    const yMax = Math.max(yMin + 1, Math.ceil(Math.log10(Math.max(...values))));
    const px = (requests: number) =>
      left + ((Math.log10(requests) - LOG_MIN) / (LOG_MAX - LOG_MIN)) * plotWidth;
    const py = (usd: number) => {
      const y = Math.min(Math.max(Math.log10(Math.max(usd, 10 ** yMin)), yMin), yMax);
      return top + (1 - (y - yMin) / (yMax - yMin)) * plotHeight;
    };
    const parts: string[] = [];
    for (let k = LOG_MIN; k <= LOG_MAX; k++) {
      const x = px(10 ** k).toFixed(1);
      parts.push(
        `<line class="grid" x1="${x}" x2="${x}" y1="${top}" y2="${top + plotHeight}"/>`,
        `<text class="tick" x="${x}" y="${top + plotHeight + 18}" text-anchor="middle">${calc.formatCount(10 ** k)}</text>`,
      );
    }
    for (let k = yMin; k <= yMax; k++) {
      const y = py(10 ** k).toFixed(1);
      parts.push(
        `<line class="grid" x1="${left}" x2="${left + plotWidth}" y1="${y}" y2="${y}"/>`,
        `<text class="tick" x="${left - 8}" y="${y}" dy="0.32em" text-anchor="end">${axisUsd(k)}</text>`,
      );
    }
    parts.push(
      `<text class="axis" x="${left + plotWidth / 2}" y="${height - 6}" text-anchor="middle">requests a month (log scale)</text>`,
      `<text class="axis" transform="translate(14 ${top + plotHeight / 2}) rotate(-90)" text-anchor="middle">USD a month (log scale)</text>`,
    );
    for (const o of OPTIONS) {
      const points = estimates
        .map((est, i) => [10 ** logs[i], est[o.key]] as const)
        .filter((p): p is readonly [number, number] => p[1] !== null);
      const d = points
        .map(([n, usd], i) => `${i === 0 ? 'M' : 'L'}${px(n).toFixed(1)},${py(usd).toFixed(1)}`)
        .join(' ');
      parts.push(
        `<path id="curve-${o.key}" class="curve" d="${d}" stroke="${o.color}"${o.dash ? ` stroke-dasharray="${o.dash}"` : ''}/>`,
      );
    }
    const here = px(w.requestsPerMonth).toFixed(1);
    parts.push(
      `<line id="chart-now" class="now" x1="${here}" x2="${here}" y1="${top}" y2="${top + plotHeight}"/>`,
    );
    for (const o of OPTIONS) {
      const v = e[o.key];
      if (v !== null) {
        parts.push(
          `<circle class="dot" cx="${here}" cy="${py(v).toFixed(1)}" r="4" fill="${o.color}"><title>${escapeHtml(o.name)}: ${calc.formatUsd(v)}</title></circle>`,
        );
      }
    }
    for (const o of OPTIONS.slice(0, 3)) {
      const c = e.breakdown.breakEven[o.key as 'lambda' | 'apiGatewayRest' | 'apiGatewayHttp'];
      if (c === null || c.requestsPerMonth < 10 ** LOG_MIN || c.requestsPerMonth > 10 ** LOG_MAX) continue;
      const usd = calc.estimate({ ...w, requestsPerMonth: c.requestsPerMonth }).sagemakerRealtime;
      const x = px(c.requestsPerMonth).toFixed(1);
      const y = py(usd).toFixed(1);
      parts.push(
        `<g id="break-even-mark-${o.key}" class="break-even"><circle cx="${x}" cy="${y}" r="6" stroke="${o.color}"/><text x="${x}" y="${y}" dx="-9" dy="-9" text-anchor="end" fill="${o.color}">${calc.formatCount(c.requestsPerMonth)}</text><title>${escapeHtml(o.name)} costs what SageMaker real-time does at ${calc.formatCount(c.requestsPerMonth)} requests a month</title></g>`,
      );
    }
    el('chart').innerHTML = parts.join('');
  }

  function crossingText(key: 'lambda' | 'apiGatewayRest' | 'apiGatewayHttp', e: CostEstimate): string {
    const c = e.breakdown.breakEven[key];
    if (c === null) {
      return `never: ${e[key] < e.sagemakerRealtime ? 'Lambda' : 'SageMaker real-time'} is cheaper at every volume`;
    }
    const below = c.cheaperBelow === 'lambda' ? 'Lambda' : 'SageMaker real-time';
    return `at ${calc.formatCount(c.requestsPerMonth)} requests a month (${below} is cheaper below that)`;
  }

  function update(): void {
    const w = readWorkload();
    el('requests-value').textContent = `${calc.formatCount(w.requestsPerMonth)} requests a month`;
    el('requests-value').setAttribute('data-requests', String(w.requestsPerMonth));
    el('billed').textContent =
      Number.isFinite(w.durationMs) && w.durationMs > 0
        ? `billed ${calc.billedDurationMs(w.durationMs)} ms`
        : '';
    const problems = calc.workloadProblems(w);
    const problemBox = el('problems');
    if (problems.length > 0) {
      problemBox.textContent = problems.map((p) => `The ${FIELD_LABELS[p.field]} ${p.message}.`).join(' ');
      problemBox.hidden = false;
      el('results').setAttribute('data-stale', 'true');
      return;
    }
    problemBox.hidden = true;
    el('results').setAttribute('data-stale', 'false');
    const e = calc.estimate(w);
    for (const o of OPTIONS) {
      const v = e[o.key];
      const cell = el(`cost-${o.key}`);
      cell.textContent = v === null ? 'not available' : calc.formatUsd(v);
      cell.setAttribute('data-usd', v === null ? '' : String(v));
    }
    const b = e.breakdown;
    el('name-sagemakerRealtime').textContent =
      `SageMaker real-time, ${w.sagemakerInstances} × ${w.instanceType}`;
    el('name-sagemakerServerless').textContent =
      `SageMaker Serverless${b.sagemakerServerless.available ? `, ${b.sagemakerServerless.memoryMb} MB` : ''}`;
    const l = b.lambda;
    const lines = [
      `Lambda: requests ${calc.formatUsd(l.requests)}, duration ${calc.formatUsd(l.duration)} (${calc.formatCount(l.gbSeconds)} GB-s at the ${l.durationRate} rate)${l.provisionedGbSeconds > 0 ? `, provisioned concurrency ${calc.formatUsd(l.provisionedConcurrency)}` : ''}`,
      `API Gateway: REST API ${calc.formatUsd(b.apiGatewayRest.requests)}; HTTP API ${calc.formatUsd(b.apiGatewayHttp.requests)} (${calc.formatCount(b.apiGatewayHttp.billedRequests)} metered requests)`,
      `SageMaker real-time: instances ${calc.formatUsd(b.sagemakerRealtime.instances)} (${b.sagemakerRealtime.instanceCount} × ${b.sagemakerRealtime.hours} h × $${b.sagemakerRealtime.usdPerHour}), data processed ${calc.formatUsd(b.sagemakerRealtime.dataProcessed)}`,
      b.sagemakerServerless.available
        ? `SageMaker Serverless: compute ${calc.formatUsd(b.sagemakerServerless.compute)} (${calc.formatCount(b.sagemakerServerless.computeSeconds)} s at ${b.sagemakerServerless.memoryMb} MB), data processed ${calc.formatUsd(b.sagemakerServerless.dataProcessed)}`
        : `SageMaker Serverless: ${b.sagemakerServerless.reason}`,
      ...e.notes.map((n) => `Note: ${n}.`),
    ];
    el('breakdown').innerHTML = lines.map((line) => `<li>${escapeHtml(line)}</li>`).join('');
    for (const key of ['lambda', 'apiGatewayRest', 'apiGatewayHttp'] as const) {
      const c = b.breakEven[key];
      const target = el(`break-even-${key}`);
      target.textContent = crossingText(key, e);
      target.setAttribute('data-requests', c === null ? '' : String(c.requestsPerMonth));
    }
    drawChart(w, e);
  }

  /** Up to the next 0.0001 ms: shorter to read, and billed the same (the billing step is 1 ms). */
  function shownDuration(ms: number): number {
    return Math.ceil(ms * 1e4) / 1e4;
  }

  function useModel(figures: ModelFigures): void {
    el('memory').value = String(figures.lambdaMemoryMb);
    el('duration').value = String(shownDuration(figures.durationMs));
    el('model-in-use').textContent =
      `Using ${figures.model}'s figures: ${formatMs(figures.durationMs)} a request, ${figures.lambdaMemoryMb} MB.`;
    update();
  }

  el('instance').innerHTML = calc.instanceTypes
    .map(
      (type) =>
        `<option value="${escapeHtml(type)}"${type === calc.prices.sagemaker.realtime.defaultInstanceType ? ' selected' : ''}>${escapeHtml(type)} ($${calc.prices.sagemaker.realtime.instances[type].usdPerHour}/h)</option>`,
    )
    .join('');
  el('models').innerHTML =
    data.models.length === 0
      ? `<p>No measured model: ${escapeHtml(data.origin)}</p>`
      : `<p>${escapeHtml(data.origin)}</p><ul>${data.models
          .map(
            (m, i) =>
              `<li id="model-${i}"><strong>${escapeHtml(m.model)}</strong>: ${formatMs(m.durationMs)} a warm single-row prediction (billed ${calc.billedDurationMs(m.durationMs)} ms); peak memory ${m.peakMemoryMb.toFixed(1)} MB, so ${m.lambdaMemoryMb} MB of Lambda memory <button type="button" id="use-model-${i}">use these figures</button></li>`,
          )
          .join('')}</ul>`;
  data.models.forEach((m, i) => {
    el(`use-model-${i}`).addEventListener('click', () => useModel(m));
  });
  for (const id of ['requests', 'memory', 'duration', 'provisioned', 'instances', 'payload']) {
    el(id).addEventListener('input', update);
  }
  for (const id of ['arch', 'instance']) el(id).addEventListener('change', update);
  if (data.models.length > 0) useModel(data.models[0]);
  else update();
}
