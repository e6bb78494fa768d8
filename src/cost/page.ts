// The cost page: one self-contained HTML file (inline style and script, no request leaves it) where a
// person moves the request volume and memory and sees each option's monthly cost. Its script is the
// calculator's own code (costModel) and the page's (runCostPage), embedded as source text, so the page
// and `modelgate cost` cannot disagree.
import { createHash } from 'node:crypto';
import { costModel, PRICES, type Prices } from './calculator.js';
import type { ModelFigures } from './figures.js';
import { type PageData, runCostPage } from './page-client.js';

export interface CostPageOptions {
  models: ModelFigures[];
  /** Where the model figures come from (or, with none, how to get some), for the reader. */
  origin: string;
  prices?: Prices;
}

/** JSON that is safe inside a script element: no `</script>`, no HTML comment, no line separators. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The page's Content-Security-Policy: its own inline script and style, nothing from anywhere else. */
export function costPagePolicy(script: string): string {
  const hash = createHash('sha256').update(script, 'utf8').digest('base64');
  return [
    "default-src 'none'",
    `script-src 'sha256-${hash}'`,
    "style-src 'unsafe-inline'",
    "img-src 'none'",
    "connect-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
}

export interface CostPage {
  html: string;
  /** The Content-Security-Policy the page also carries in a meta element, for a server to send. */
  policy: string;
}

export function costPage(options: CostPageOptions): CostPage {
  const prices = options.prices ?? PRICES;
  const data: PageData = { models: options.models, origin: options.origin };
  // The text between the script tags, exactly: the policy holds its hash.
  const script = [
    '',
    "'use strict';",
    `const prices = ${scriptJson(prices)};`,
    `const data = ${scriptJson(data)};`,
    `const costModel = ${costModel.toString()};`,
    `const runCostPage = ${runCostPage.toString()};`,
    'runCostPage(document, costModel(prices), data);',
    '',
  ].join('\n');
  // Either would end or confuse the script element early.
  if (/<\/script|<!--/i.test(script)) throw new Error('the cost page script holds </script or <!--');
  const policy = costPagePolicy(script);
  const sources = Object.entries(prices.sources)
    .map(
      ([id, s]) =>
        `<li><a href="${escapeHtml(s.url)}">${escapeHtml(id)}</a> (${escapeHtml(s.date)}, grade ${escapeHtml(s.grade)}): ${escapeHtml(s.note)}</li>`,
    )
    .join('\n');
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(policy)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>modelgate: what serving a model costs a month</title>
<style>
  :root { color-scheme: light; --ink: #202124; --muted: #5f6368; --line: #dadce0; --accent: #1a73e8; }
  * { box-sizing: border-box; }
  body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: #fff; }
  main { max-width: 1120px; margin: 0 auto; padding: 20px 24px 40px; }
  h1 { font-size: 22px; margin: 0 0 4px; }
  h2 { font-size: 16px; margin: 22px 0 8px; }
  p.lede, .muted { color: var(--muted); margin: 0 0 12px; }
  .layout { display: grid; grid-template-columns: 300px 1fr; gap: 24px; align-items: start; }
  @media (max-width: 900px) { .layout { grid-template-columns: 1fr; } }
  fieldset { border: 1px solid var(--line); border-radius: 8px; padding: 12px 14px; margin: 0; }
  label { display: block; font-weight: 600; margin: 10px 0 4px; }
  label:first-of-type { margin-top: 0; }
  input[type=number], select { width: 100%; padding: 5px 8px; font: inherit; border: 1px solid var(--line); border-radius: 6px; }
  input[type=range] { width: 100%; }
  .hint { color: var(--muted); font-size: 13px; }
  #problems { background: #fce8e6; color: #a50e0e; border-radius: 6px; padding: 8px 10px; margin-top: 10px; }
  svg { width: 100%; height: auto; border: 1px solid var(--line); border-radius: 8px; background: #fff; }
  svg .grid { stroke: #eceff1; stroke-width: 1; }
  svg .tick { fill: var(--muted); font-size: 12px; }
  svg .axis { fill: var(--ink); font-size: 13px; }
  svg .curve { fill: none; stroke-width: 2.2; }
  svg .now { stroke: #80868b; stroke-width: 1.2; stroke-dasharray: 4 3; }
  svg .dot { stroke: #fff; stroke-width: 1.5; }
  svg .break-even circle { fill: #fff; stroke-width: 2.5; }
  svg .break-even text { font-size: 12px; font-weight: 600; paint-order: stroke; stroke: #fff; stroke-width: 3px; }
  table { border-collapse: collapse; width: 100%; margin-top: 12px; }
  th, td { padding: 6px 8px; border-bottom: 1px solid var(--line); text-align: left; }
  td.usd { text-align: right; font-variant-numeric: tabular-nums; font-weight: 600; }
  .swatch { display: inline-block; width: 18px; height: 0; border-top: 3px solid; vertical-align: middle; margin-right: 8px; }
  .swatch.dashed { border-top-style: dashed; }
  .swatch.dotted { border-top-style: dotted; }
  #results[data-stale=true] table, #results[data-stale=true] svg { opacity: 0.35; }
  ul { padding-left: 20px; margin: 6px 0; }
  #models button { margin-left: 6px; font: inherit; font-size: 13px; }
  footer { margin-top: 28px; font-size: 13px; color: var(--muted); }
  footer a { color: var(--accent); }
</style>
</head>
<body>
<main>
<h1>What serving a model costs a month</h1>
<p class="lede">AWS Lambda alone, behind API Gateway REST or HTTP APIs, a SageMaker real-time endpoint, and SageMaker
Serverless Inference. ${escapeHtml(prices.region)}, ${escapeHtml(prices.currency)}, on-demand list prices compiled ${escapeHtml(prices.date)}, free tiers
excluded. The same calculator as <code>modelgate cost</code>.</p>
<div class="layout">
<form id="controls" autocomplete="off">
<fieldset>
<label for="requests">Requests a month</label>
<input id="requests" type="range" min="4" max="10" step="0.01" value="6" aria-describedby="requests-value">
<div id="requests-value" class="hint"></div>
<label for="memory">Lambda memory (MB)</label>
<input id="memory" type="number" min="128" max="10240" step="1" value="128">
<label for="duration">Duration of a request (ms)</label>
<input id="duration" type="number" min="0" step="any" value="10">
<div id="billed" class="hint"></div>
<label for="arch">Lambda architecture</label>
<select id="arch"><option value="x86_64" selected>x86_64</option><option value="arm64">arm64</option></select>
<label for="provisioned">Provisioned concurrency</label>
<input id="provisioned" type="number" min="0" step="1" value="0">
<div class="hint">environments kept warm all month</div>
<label for="instance">SageMaker instance type</label>
<select id="instance"></select>
<label for="instances">SageMaker instances</label>
<input id="instances" type="number" min="1" step="1" value="1">
<label for="payload">Request and response size (KB)</label>
<input id="payload" type="number" min="0" step="any" value="1">
<div id="problems" role="alert" hidden></div>
</fieldset>
</form>
<section id="results" aria-live="polite">
<svg id="chart" viewBox="0 0 760 420" role="img" aria-label="Monthly cost of each option against requests a month"></svg>
<table>
<thead><tr><th>Option</th><th style="text-align:right">USD a month</th></tr></thead>
<tbody>
<tr><td><span class="swatch" style="color:#e8710a"></span><span id="name-lambda">Lambda alone (function URL, direct invoke)</span></td><td class="usd" id="cost-lambda"></td></tr>
<tr><td><span class="swatch" style="color:#c5221f"></span><span id="name-apiGatewayRest">Lambda + API Gateway REST API</span></td><td class="usd" id="cost-apiGatewayRest"></td></tr>
<tr><td><span class="swatch" style="color:#1a73e8"></span><span id="name-apiGatewayHttp">Lambda + API Gateway HTTP API</span></td><td class="usd" id="cost-apiGatewayHttp"></td></tr>
<tr><td><span class="swatch dashed" style="color:#188038"></span><span id="name-sagemakerRealtime">SageMaker real-time</span></td><td class="usd" id="cost-sagemakerRealtime"></td></tr>
<tr><td><span class="swatch dotted" style="color:#9334e6"></span><span id="name-sagemakerServerless">SageMaker Serverless</span></td><td class="usd" id="cost-sagemakerServerless"></td></tr>
</tbody>
</table>
<h2>Break-even with SageMaker real-time</h2>
<ul id="break-even">
<li>Lambda alone: <span id="break-even-lambda"></span></li>
<li>Lambda + API Gateway REST API: <span id="break-even-apiGatewayRest"></span></li>
<li>Lambda + API Gateway HTTP API: <span id="break-even-apiGatewayHttp"></span></li>
</ul>
<h2>Breakdown</h2>
<ul id="breakdown"></ul>
<h2>Model figures</h2>
<div id="models"></div>
<p id="model-in-use" class="muted"></p>
</section>
</div>
<footer>
<p>Assumptions: a month is ${prices.hoursPerMonth} hours; Lambda bills each request's duration rounded up to 1 ms, and
GB-seconds in tiers; with provisioned concurrency on, every request is billed at the provisioned duration rate;
HTTP APIs meter a request per started 512 KB; SageMaker endpoints bill data processed in and out; the SageMaker
instance count is given, not derived from the load. Formulas: docs/cost.md in modelgate.</p>
<p>Sources of the prices:</p>
<ul>
${sources}
</ul>
</footer>
</main>
<script>${script}</script>
</body>
</html>
`;
  return { html, policy };
}
