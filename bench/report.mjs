// docs/benchmarks.md and its charts from one run's figures (bench/all.mjs): the goals first, as ratios
// from the same run, then every series with its chart and table, then how it was measured.
import { barChart } from './svg.mjs';

const MB = 1024 * 1024;
const f1 = (x) => (Number.isFinite(x) ? x.toFixed(1) : 'n/a');
const f0 = (x) => (Number.isFinite(x) ? Math.round(x).toLocaleString('en') : 'n/a');
const ratio = (slow, fast) => slow / fast;
const x = (r) => (Number.isFinite(r) ? `${r >= 10 ? Math.round(r) : r.toFixed(1)}x` : 'n/a');
const range = (rs) =>
  Math.min(...rs) === Math.max(...rs) ? x(rs[0]) : `${x(Math.min(...rs))} to ${x(Math.max(...rs))}`;
const met = (ok) => (ok ? 'met' : '**not met**');
const mb = (bytes) => `${(bytes / 1e6).toFixed(1)} MB`;
const ms2 = (v) => (Number.isFinite(v) ? v.toFixed(2) : 'n/a');

const SIDES = {
  app: "Python, the reference's app.py logic",
  sklearnLambda: 'Python, the scikit-learn-lambda logic',
};

export function render(r, { command }) {
  const models = r.models;
  const labels = models.map((m) => m.label);
  const largest = models.reduce((a, b) => (b.bytes.joblib > a.bytes.joblib ? b : a));
  const charts = {};

  // Goals.
  const coldRatios = models.flatMap((m) => [
    ratio(m.cold.app.ms, m.cold.modelgate.ms),
    ratio(m.cold.sklearnLambda.ms, m.cold.modelgate.ms),
  ]);
  const warmApp = models.map((m) => ratio(m.warm.app.p50_us, m.warm.modelgateNamed.p50_us));
  const warmSkl = models.map((m) => ratio(m.warm.sklearnLambda.p50_us, m.warm.modelgateInput.p50_us));
  const warmSkl1 = models.map((m) =>
    ratio(m.warm.sklearnLambdaOneThread.p50_us, m.warm.modelgateInput.p50_us),
  );
  const below = (rs) =>
    models
      .filter((_, i) => rs[i] < 10)
      .map((m) => m.label)
      .join(', ');
  const t64 = (side) => r.throughput[side].byConnections[64].requestsPerSecond;
  const httpRatios = [ratio(t64('modelgate'), t64('app')), ratio(t64('modelgate'), t64('sklearnLambda'))];
  const within52 = models.filter((m) => m.bytes.joblib <= 52.2e6);
  const peak = Math.max(...within52.map((m) => m.memory.modelgatePeakMb));

  const goals = [
    [
      'cold start (fresh process to first answered prediction) at least 5x faster than the Python reference, at every model size',
      `${range(coldRatios)} faster (against either Python handler)`,
      met(Math.min(...coldRatios) >= 5),
    ],
    [
      `the ${mb(largest.bytes.joblib)} model (${largest.label}) cold in under 300 ms`,
      `${f1(largest.cold.modelgate.ms)} ms (Python: ${f0(largest.cold.app.ms)} ms and ${f0(largest.cold.sklearnLambda.ms)} ms)`,
      met(largest.cold.modelgate.ms < 300),
    ],
    [
      "warm latency (in-process handler, p50) at least 10x faster than the reference's app.py logic, at every model size",
      `${range(warmApp)} faster`,
      met(Math.min(...warmApp) >= 10),
    ],
    [
      'the same against the scikit-learn-lambda logic',
      `${range(warmSkl)} faster (numpy using both cores); ${range(warmSkl1)} against it on one core${below(warmSkl) ? `; under 10x for ${below(warmSkl)} (see Warm latency)` : ''}`,
      met(Math.min(...warmSkl) >= 10),
    ],
    [
      'HTTP throughput at least 5x the Python reference at 64 connections (gunicorn)',
      `${x(httpRatios[0])} the app.py logic, ${x(httpRatios[1])} the scikit-learn-lambda logic`,
      met(Math.min(...httpRatios) >= 5),
    ],
    [
      'every model up to 52 MB served within 256 MB of memory',
      `largest peak ${f0(peak)} MB (${within52.map((m) => `${m.label} ${f0(m.memory.modelgatePeakMb)}`).join(', ')})`,
      met(peak <= 256),
    ],
  ];

  // Cold start.
  charts['cold-start.svg'] = barChart({
    title: 'Cold start: fresh process to first answered prediction (median)',
    unit: 'milliseconds',
    groups: labels,
    log: true,
    series: [
      { name: 'modelgate', values: models.map((m) => m.cold.modelgate.ms) },
      { name: SIDES.app, values: models.map((m) => m.cold.app.ms) },
      { name: SIDES.sklearnLambda, values: models.map((m) => m.cold.sklearnLambda.ms) },
    ],
  });
  const coldRows = models
    .map(
      (m) =>
        `| ${m.label} | ${f1(m.cold.modelgate.ms)} ms | ${f0(m.cold.app.ms)} ms | ${x(ratio(m.cold.app.ms, m.cold.modelgate.ms))} | ${f0(m.cold.sklearnLambda.ms)} ms | ${x(ratio(m.cold.sklearnLambda.ms, m.cold.modelgate.ms))} |`,
    )
    .join('\n');

  charts['lambda-init.svg'] = barChart({
    title: 'Lambda init through the runtime client (median)',
    unit: 'milliseconds',
    groups: labels,
    log: true,
    series: [
      { name: 'modelgate (aws-lambda-ric)', values: models.map((m) => m.init.modelgate.initMs) },
      { name: SIDES.app, values: models.map((m) => m.init.app.initMs) },
      { name: SIDES.sklearnLambda, values: models.map((m) => m.init.sklearnLambda.initMs) },
    ],
  });
  const initRows = models
    .map(
      (m) =>
        `| ${m.label} | ${f1(m.init.modelgate.initMs)} ms | ${f1(m.init.modelgate.firstResponseMs)} ms | ${f0(m.init.app.initMs)} ms | ${x(ratio(m.init.app.initMs, m.init.modelgate.initMs))} | ${f0(m.init.sklearnLambda.initMs)} ms | ${x(ratio(m.init.sklearnLambda.initMs, m.init.modelgate.initMs))} |`,
    )
    .join('\n');

  charts['warm.svg'] = barChart({
    title: 'Warm latency, in-process handler, one API Gateway event (p50)',
    unit: 'microseconds',
    groups: labels,
    log: true,
    series: [
      { name: 'modelgate, named row', values: models.map((m) => m.warm.modelgateNamed.p50_us) },
      { name: 'app.py logic', values: models.map((m) => m.warm.app.p50_us) },
      { name: 'modelgate, input array', values: models.map((m) => m.warm.modelgateInput.p50_us) },
      { name: 'scikit-learn-lambda logic', values: models.map((m) => m.warm.sklearnLambda.p50_us) },
      {
        name: 'the same, numpy on one core',
        values: models.map((m) => m.warm.sklearnLambdaOneThread.p50_us),
      },
    ],
  });
  const warmRows = models
    .map((m) => {
      const w = m.warm;
      return `| ${m.label} | ${f1(w.modelgateNamed.p50_us)} / ${f1(w.modelgateNamed.p99_us)} µs | ${f0(w.app.p50_us)} / ${f0(w.app.p99_us)} µs | ${x(ratio(w.app.p50_us, w.modelgateNamed.p50_us))} | ${f1(w.modelgateInput.p50_us)} / ${f1(w.modelgateInput.p99_us)} µs | ${f0(w.sklearnLambda.p50_us)} / ${f0(w.sklearnLambda.p99_us)} µs | ${x(ratio(w.sklearnLambda.p50_us, w.modelgateInput.p50_us))} | ${f0(w.sklearnLambdaOneThread.p50_us)} / ${f0(w.sklearnLambdaOneThread.p99_us)} µs | ${x(ratio(w.sklearnLambdaOneThread.p50_us, w.modelgateInput.p50_us))} |`;
    })
    .join('\n');

  charts['http-latency.svg'] = barChart({
    title: 'HTTP latency, one connection (p50)',
    unit: 'milliseconds',
    groups: labels,
    log: true,
    series: [
      { name: 'modelgate serve', values: models.map((m) => m.http.modelgate.latencyP50Ms) },
      { name: 'gunicorn, app.py logic', values: models.map((m) => m.http.app.latencyP50Ms) },
      {
        name: 'gunicorn, scikit-learn-lambda logic',
        values: models.map((m) => m.http.sklearnLambda.latencyP50Ms),
      },
    ],
  });
  const httpRows = models
    .map(
      (m) =>
        `| ${m.label} | ${ms2(m.http.modelgate.latencyP50Ms)} / ${ms2(m.http.modelgate.latencyP99Ms)} ms | ${f0(m.http.modelgate.requestsPerSecond)} | ${ms2(m.http.app.latencyP50Ms)} / ${ms2(m.http.app.latencyP99Ms)} ms | ${x(ratio(m.http.app.latencyP50Ms, m.http.modelgate.latencyP50Ms))} | ${ms2(m.http.sklearnLambda.latencyP50Ms)} / ${ms2(m.http.sklearnLambda.latencyP99Ms)} ms | ${x(ratio(m.http.sklearnLambda.latencyP50Ms, m.http.modelgate.latencyP50Ms))} |`,
    )
    .join('\n');

  const sizes = Object.keys(models[0].batch);
  const shades = { modelgate: ['#93c5fd', '#3b82f6', '#1e3a8a'], sklearn: ['#fdba74', '#f97316', '#9a3412'] };
  charts['batch.svg'] = barChart({
    title: 'Batch throughput (rows per second)',
    unit: 'rows per second',
    groups: labels,
    log: true,
    width: 900,
    series: sizes.flatMap((n, i) => [
      {
        name: `modelgate, ${Number(n).toLocaleString('en')} row${n === '1' ? '' : 's'}`,
        color: shades.modelgate[i],
        values: models.map((m) => m.batch[n].modelgate),
      },
      {
        name: `scikit-learn, ${Number(n).toLocaleString('en')} row${n === '1' ? '' : 's'}`,
        color: shades.sklearn[i],
        values: models.map((m) => m.batch[n].sklearn),
      },
    ]),
  });
  const batchRows = models
    .flatMap((m) =>
      sizes.map(
        (n) =>
          `| ${m.label} | ${Number(n).toLocaleString('en')} | ${f0(m.batch[n].modelgate)} | ${f0(m.batch[n].sklearn)} | ${x(ratio(m.batch[n].modelgate, m.batch[n].sklearn))} |`,
      ),
    )
    .join('\n');

  const conns = Object.keys(r.throughput.modelgate.byConnections);
  charts['throughput.svg'] = barChart({
    title: 'HTTP throughput on the iris model (requests per second)',
    unit: 'requests per second',
    groups: conns.map((c) => `${c} connection${c === '1' ? '' : 's'}`),
    log: true,
    series: [
      {
        name: 'modelgate serve (1 process)',
        values: conns.map((c) => r.throughput.modelgate.byConnections[c].requestsPerSecond),
      },
      {
        name: `gunicorn ${r.throughput.workers} workers, app.py logic`,
        values: conns.map((c) => r.throughput.app.byConnections[c].requestsPerSecond),
      },
      {
        name: `gunicorn, scikit-learn-lambda logic`,
        values: conns.map((c) => r.throughput.sklearnLambda.byConnections[c].requestsPerSecond),
      },
    ],
  });
  const tp = (side, c) => r.throughput[side].byConnections[c];
  const throughputRows = conns
    .map(
      (c) =>
        `| ${c} | ${f0(tp('modelgate', c).requestsPerSecond)} (p99 ${ms2(tp('modelgate', c).latencyP99Ms)} ms) | ${f0(tp('app', c).requestsPerSecond)} (p99 ${ms2(tp('app', c).latencyP99Ms)} ms) | ${x(ratio(tp('modelgate', c).requestsPerSecond, tp('app', c).requestsPerSecond))} | ${f0(tp('sklearnLambda', c).requestsPerSecond)} (p99 ${ms2(tp('sklearnLambda', c).latencyP99Ms)} ms) | ${x(ratio(tp('modelgate', c).requestsPerSecond, tp('sklearnLambda', c).requestsPerSecond))} |`,
    )
    .join('\n');
  const errors = ['modelgate', 'app', 'sklearnLambda'].reduce(
    (n, side) => n + conns.reduce((k, c) => k + tp(side, c).errors + tp(side, c).non2xx, 0),
    0,
  );

  charts['memory.svg'] = barChart({
    title: 'Peak resident memory of one handler process',
    unit: 'MB',
    groups: labels,
    series: [
      { name: 'modelgate', values: models.map((m) => m.memory.modelgatePeakMb) },
      { name: 'app.py logic', values: models.map((m) => m.memory.pythonPeakMb.app) },
      { name: 'scikit-learn-lambda logic', values: models.map((m) => m.memory.pythonPeakMb.sklearnLambda) },
    ],
  });
  const memoryRows = models
    .map(
      (m) =>
        `| ${m.label} | ${f0(m.memory.modelgatePeakMb)} MB | ${m.memory.modelgateLambdaMb} MB | ${f0(m.memory.pythonPeakMb.app)} MB | ${m.memory.pythonLambdaMb.app} MB | ${f0(m.memory.pythonPeakMb.sklearnLambda)} MB | ${m.memory.pythonLambdaMb.sklearnLambda} MB |`,
    )
    .join('\n');
  const packageRows = models
    .map(
      (m) =>
        `| ${m.label} | ${mb(m.bytes.joblib)} | ${mb(m.bytes.onnx)} | ${f1(m.packages.modelgate.zipped / MB)} / ${f1(m.packages.modelgate.unzipped / MB)} MB | ${m.packages.python ? `${f1(m.packages.python.zipped / MB)} / ${f1(m.packages.python.unzipped / MB)} MB` : 'not measured in a quick run'} |`,
    )
    .join('\n');

  const c = r.machine;
  const img = (name, alt) => `![${alt}](benchmarks/${name})`;
  const markdown = `# Benchmarks: modelgate against the Python reference

Generated by \`${command}\` on ${r.date.slice(0, 10)} in ${r.minutes.toFixed(1)} minutes; do not edit by hand.
Raw figures: [benchmarks.json](benchmarks.json).${r.quick ? '\n\n**A quick run** (fewer models, runs and seconds): for checking the benchmark itself, not for quoting.' : ''}

- Machine: ${c.cpu}, ${c.cores} cores, ${c.memoryGb} GB, ${c.os}. One machine runs both sides and the load generator, one measurement at a time.
- Versions: Node.js ${c.node} (modelgate, onnxruntime-node); Python ${c.python} with scikit-learn ${c.sklearn}; load generator ${c.loadGenerator}; gunicorn with ${r.throughput.workers} sync workers (its recommended 2 x cores + 1).
- Models: ${models.map((m) => `${m.label} (${mb(m.bytes.joblib)} joblib)`).join(', ')}.

## Goals

Each is a ratio of two figures measured in this run, on this machine.

| goal | measured | |
|---|---|---|
${goals.map((g) => `| ${g.join(' | ')} |`).join('\n')}

## The sides

- **modelgate**: the bundled handler (\`dist/bundle/lambda/index.mjs\`, as deployed) and \`modelgate serve\`, over the
  bundled iris model (trained by \`modelgate train\`) and the MLPs imported by \`modelgate import\` (layers in float32,
  the default).
- **${SIDES.app}** (\`bench/reference/app.py\`): a pickled scikit-learn model loaded at import; each request's named row
  becomes a pandas DataFrame; predict and predict_proba. For iris, the reference's Pipeline(SimpleImputer,
  GradientBoostingClassifier) trained on the same CSV; for the MLPs, the same network fitted on the named DataFrame.
- **${SIDES.sklearnLambda}** (\`bench/reference/sklearn_lambda.py\`, written from that toolkit's documented behaviour):
  a joblib file loaded at import; \`{"input": [[...]], "return_probabilities": true}\` in; predict and predict_proba
  on the array; labels and \`{class: probability}\` rows out. The MLPs are saved as that toolkit's own generator saves
  them (fitted on an array).

modelgate is sent the same requests as each Python side: named rows where app.py is compared, the toolkit's
\`input\` arrays where the toolkit is compared.

## Cold start

Fresh process (PATH and the model's location as its only environment) to the first output it writes, the answer to
one request; ${r.runs.cold} runs each, alternating the sides; medians.

${img('cold-start.svg', 'Cold start per model')}

| model | modelgate | app.py logic | ratio | scikit-learn-lambda logic | ratio |
|---|---:|---:|---:|---:|---:|
${coldRows}

### Lambda init through the runtime client

A local Lambda Runtime API (\`test/helpers/runtime-api.ts\`); modelgate's function (from \`modelgate package\`) runs
under the real runtime interface client (aws-lambda-ric) with \`MODEL_URI\` pointing at the model; the Python handlers
run under \`bench/reference/runtime.py\`, a minimal standard-library Runtime API loop (awslambdaric is not in the local
pip mirror; being lighter than it, the loop makes Python's figures a lower bound). "init" is Runtime API start to the
runtime's first request for an invocation (Lambda's Init Duration); ${r.runs.init} runs each, medians.

${img('lambda-init.svg', 'Lambda init per model')}

| model | modelgate init | modelgate first response | app.py init | ratio | scikit-learn-lambda init | ratio |
|---|---:|---:|---:|---:|---:|---:|
${initRows}

## Warm latency

The handler called again and again in one process with one API Gateway event (${f0(r.runs.warmMg)} calls for
modelgate, ${f0(r.runs.warmPy)} for Python, after a warm-up); p50 / p99.

${img('warm.svg', 'Warm latency per model')}

| model | modelgate, named row | app.py logic | ratio (p50) | modelgate, input array | scikit-learn-lambda logic | ratio (p50) | the same, numpy on one core | ratio (p50) |
|---|---:|---:|---:|---:|---:|---:|---:|---:|
${warmRows}

modelgate computes on one thread (onnxruntime with one intra-op thread: a Lambda function of up to 1,769 MB has at
most one vCPU). numpy's BLAS uses every core it sees, so the scikit-learn-lambda column has both of this machine's
cores; the next column pins numpy to one (\`OPENBLAS_NUM_THREADS=1\`), as the Lambda sizes these models fit in give it.
For a large network one request is three matrix-vector products whose weights do not fit in a core's cache (900
units: 3.2 MB of float32 weights per layer), so modelgate's time there is mostly reading the weights once;
scikit-learn reads twice as many (float64) twice (predict, then predict_proba).

### HTTP latency, one connection

\`modelgate serve\` (sent the toolkit's \`input\` arrays) against gunicorn with one worker serving each Python handler
(\`bench/reference/wsgi.py\`), one connection sending requests back to back for ${r.runs.latencySeconds} s after a warm-up; p50 / p99,
and modelgate's requests per second.

${img('http-latency.svg', 'HTTP latency per model')}

| model | modelgate p50 / p99 | requests/s | gunicorn, app.py logic p50 / p99 | ratio (p50) | gunicorn, scikit-learn-lambda logic p50 / p99 | ratio (p50) |
|---|---:|---:|---:|---:|---:|---:|
${httpRows}

## Batch throughput

Rows per second for batches of ${sizes.map((n) => Number(n).toLocaleString('en')).join(', ')} rows: modelgate's Predictor (the
core's model runner, rows given as arrays and encoded by it) against scikit-learn's \`predict_proba\` on a ready
array or DataFrame, each repeated for at least ${r.runs.batchSeconds} s.

${img('batch.svg', 'Batch throughput')}

| model | rows | modelgate rows/s | scikit-learn rows/s | ratio |
|---|---:|---:|---:|---:|
${batchRows}

## HTTP throughput

The iris model; one \`modelgate serve\` process against gunicorn with ${r.throughput.workers} sync workers serving each Python
handler; ${r.runs.loadSeconds} s at each connection count after a warm-up. ${errors === 0 ? 'No errors or non-2xx answers on any side.' : `**${errors} errors or non-2xx answers** (see the JSON).`}
Peak memory under this load: modelgate ${f0(r.throughput.modelgate.peakMb)} MB; gunicorn (all workers) ${f0(r.throughput.app.peakMb)} MB
with app.py, ${f0(r.throughput.sklearnLambda.peakMb)} MB with the scikit-learn-lambda logic.

${img('throughput.svg', 'HTTP throughput')}

| connections | modelgate requests/s | gunicorn, app.py logic | ratio | gunicorn, scikit-learn-lambda logic | ratio |
|---:|---:|---:|---:|---:|---:|
${throughputRows}

## Memory and package sizes

Peak resident memory (VmHWM) of one process serving the model: for modelgate the largest of its warm-latency
processes and its \`serve\` process under load; for Python its warm-latency process. "Lambda size" is the smallest
memory setting that holds the peak (Lambda's sizes go from 128 MB in 1 MB steps, and it counts the whole process), as
\`modelgate cost\` picks it.

${img('memory.svg', 'Peak memory per model')}

| model | modelgate peak | Lambda size | app.py peak | Lambda size | scikit-learn-lambda peak | Lambda size |
|---|---:|---:|---:|---:|---:|---:|
${memoryRows}

Packages: modelgate's function zip from \`modelgate package --model\` (handler, model, onnxruntime-node for
linux/x64); the Python deployment as one zip of its dependencies (${r.pythonDeps ? `${r.pythonDeps.distributions.length} distributions: ` : ''}scikit-learn,
scipy, numpy, pandas and what they need, no \`__pycache__\`) and the pickled model. Lambda takes 50 MB
zipped for a direct upload and 250 MB unzipped.

| model | joblib file | ONNX model | modelgate zipped / unzipped | Python zipped / unzipped |
|---|---:|---:|---:|---:|
${packageRows}
`;
  return { markdown, charts };
}
