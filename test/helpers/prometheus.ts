// A strict reader of Prometheus' text exposition format (version 0.0.4), for the /metrics tests: every
// line is a HELP, a TYPE, or a sample of a family whose TYPE came first; label values are quoted with
// \\, \" and \n escapes; histogram buckets grow with `le` and end in +Inf equal to _count.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Family {
  name: string;
  type: 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';
  help: string;
  samples: Sample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\\\|\\"|\\n)*)"(,|$)/y;

function parseValue(raw: string): number {
  if (raw === '+Inf') return Number.POSITIVE_INFINITY;
  if (raw === '-Inf') return Number.NEGATIVE_INFINITY;
  // Prometheus reads values with Go's ParseFloat, which takes NaN in any case (prom-client writes Nan).
  if (raw.toLowerCase() === 'nan') return Number.NaN;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(raw)) throw new Error(`not a sample value: ${raw}`);
  return Number(raw);
}

/** The families of a /metrics page; throws naming the line that breaks the format. */
export function parseExposition(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  if (!text.endsWith('\n')) throw new Error('the page does not end with a newline');
  const lines = text.slice(0, -1).split('\n');
  for (const [i, line] of lines.entries()) {
    const where = `line ${i + 1}: ${JSON.stringify(line)}`;
    if (line === '') continue;
    if (line.startsWith('#')) {
      const m = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
      if (!m) continue; // a comment
      const [, kind, name, rest] = m as unknown as [string, string, string, string];
      if (!NAME.test(name)) throw new Error(`${where}: bad metric name`);
      const family = families.get(name) ?? { name, type: 'untyped', help: '', samples: [] };
      if (kind === 'TYPE') {
        if (!['counter', 'gauge', 'histogram', 'summary', 'untyped'].includes(rest))
          throw new Error(`${where}: bad type`);
        if (family.samples.length > 0) throw new Error(`${where}: TYPE after samples`);
        family.type = rest as Family['type'];
      } else family.help = rest;
      families.set(name, family);
      continue;
    }
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})? (\S+)( -?\d+)?$/.exec(line);
    if (!m) throw new Error(`${where}: not a sample`);
    const [, name, rawLabels, rawValue] = m as unknown as [string, string, string | undefined, string];
    const labels: Record<string, string> = {};
    if (rawLabels) {
      const inner = rawLabels.slice(1, -1);
      LABEL.lastIndex = 0;
      let at = 0;
      while (at < inner.length) {
        LABEL.lastIndex = at;
        const l = LABEL.exec(inner);
        if (!l) throw new Error(`${where}: bad labels at ${at}`);
        const [, key, value] = l as unknown as [string, string, string];
        if (key in labels) throw new Error(`${where}: label ${key} twice`);
        labels[key] = value.replace(/\\(["\\n])/g, (_, c: string) => (c === 'n' ? '\n' : c));
        at = LABEL.lastIndex;
      }
    }
    const base = families.has(name) ? name : name.replace(/_(bucket|sum|count|total|created)$/, '');
    const family = families.get(base) ?? families.get(name);
    if (!family || family.type === 'untyped') throw new Error(`${where}: a sample before its TYPE`);
    const value = parseValue(rawValue);
    if (family.type === 'counter' && !(value >= 0)) throw new Error(`${where}: a counter below 0`);
    family.samples.push({ name, labels, value });
  }
  for (const f of families.values()) if (f.type === 'histogram') checkHistogram(f);
  return families;
}

function checkHistogram(f: Family): void {
  const series = new Map<string, Sample[]>();
  const keyOf = (labels: Record<string, string>) =>
    JSON.stringify(
      Object.entries(labels)
        .filter(([k]) => k !== 'le')
        .sort(),
    );
  for (const s of f.samples) {
    const k = keyOf(s.labels);
    series.set(k, [...(series.get(k) ?? []), s]);
  }
  for (const [k, samples] of series) {
    const buckets = samples.filter((s) => s.name === `${f.name}_bucket`);
    const count = samples.find((s) => s.name === `${f.name}_count`)?.value;
    let last = -1;
    let lastLe = Number.NEGATIVE_INFINITY;
    for (const b of buckets) {
      const le = parseValue(b.labels.le ?? 'x');
      if (!(le > lastLe)) throw new Error(`${f.name}${k}: buckets out of order`);
      if (b.value < last) throw new Error(`${f.name}${k}: a bucket below the one before`);
      last = b.value;
      lastLe = le;
    }
    if (lastLe !== Number.POSITIVE_INFINITY) throw new Error(`${f.name}${k}: no +Inf bucket`);
    if (last !== count) throw new Error(`${f.name}${k}: +Inf bucket ${last} is not _count ${count}`);
  }
}

/** The value of the sample of `name` whose labels include `labels`; undefined when there is none. */
export function sampleValue(
  families: Map<string, Family>,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  for (const f of families.values()) {
    for (const s of f.samples) {
      if (s.name !== name) continue;
      if (Object.entries(labels).every(([k, v]) => s.labels[k] === v)) return s.value;
    }
  }
  return undefined;
}

const run = promisify(execFile);
const VENV = fileURLToPath(new URL('../../.venv-ref/bin/python', import.meta.url));

/**
 * A python that has prometheus_client (MODELGATE_PROM_PYTHON, else the reference venv), or undefined
 * with the reason said once: its parser is a second, independent reader of the page.
 */
export async function prometheusPython(): Promise<string | undefined> {
  const python = process.env.MODELGATE_PROM_PYTHON ?? VENV;
  try {
    if (!existsSync(python)) throw new Error(`${python} does not exist`);
    await run(python, ['-c', 'import prometheus_client']);
    return python;
  } catch (err) {
    console.warn(
      `skipping the check with prometheus_client's parser: install prometheus-client in the reference venv or set MODELGATE_PROM_PYTHON (${(err as Error).message.split('\n')[0]})`,
    );
    return undefined;
  }
}

/** The page as prometheus_client's parser reads it: family name to [type, samples]. */
export async function parseWithPython(
  python: string,
  text: string,
): Promise<Record<string, { type: string; samples: [string, Record<string, string>, number][] }>> {
  const script = [
    'import sys, json',
    'from prometheus_client.parser import text_string_to_metric_families',
    'out = {}',
    'for f in text_string_to_metric_families(sys.stdin.read()):',
    '    out[f.name] = {"type": f.type, "samples": [[s.name, s.labels, s.value] for s in f.samples]}',
    'print(json.dumps(out))',
  ].join('\n');
  const child = run(python, ['-c', script], { maxBuffer: 16 * 1024 * 1024 });
  child.child.stdin?.end(text);
  const { stdout } = await child;
  return JSON.parse(stdout);
}
