// How much memory a loaded model takes against its file's size: the estimate the Lambda model cache
// (src/adapters/models.ts: MEMORY_OVERHEAD_BYTES + MEMORY_FACTOR x file size) is built on. For each
// model size, a fresh process loads COPIES sessions of it and reports the resident memory they added
// (freed memory of an earlier size would otherwise be reused and hide the cost).
// Run: node bench/model-memory.mjs (after node scripts/build.mjs).
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const COPIES = Number(process.env.COPIES ?? 20);
const SIZES = [
  { trees: 10, depth: 3, rows: 150 },
  { trees: 100, depth: 3, rows: 150 },
  { trees: 200, depth: 6, rows: 2000 },
  { trees: 500, depth: 6, rows: 2000 },
  { trees: 1000, depth: 8, rows: 4000 },
];

/** A regression CSV of `rows` rows and 8 features, from a fixed seed. */
function csv(rows) {
  let seed = 7;
  const rand = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  const lines = ['a,b,c,d,e,f,g,h,y'];
  for (let i = 0; i < rows; i++) {
    const x = Array.from({ length: 8 }, rand);
    const y = x[0] * 3 + Math.sin(x[1] * 6) + x[2] * x[3] + rand() * 0.1;
    lines.push([...x.map((v) => v.toFixed(4)), y.toFixed(4)].join(','));
  }
  return new TextEncoder().encode(`${lines.join('\n')}\n`);
}

async function child(size) {
  const { Predictor } = await import('../dist/runtime/predictor.js');
  const { trainFromCsv } = await import('../dist/train/train.js');
  const { bytes } = trainFromCsv(csv(size.rows), {
    target: 'y',
    source: 'synthetic.csv',
    nEstimators: size.trees,
    maxDepth: size.depth,
  });
  // One load first: onnxruntime's own start-up memory is not the model's.
  await (await Predictor.load(bytes)).release();
  globalThis.gc?.();
  const before = process.memoryUsage().rss;
  const held = [];
  for (let i = 0; i < COPIES; i++) held.push(await Predictor.load(bytes.slice()));
  globalThis.gc?.();
  const per = (process.memoryUsage().rss - before) / COPIES;
  process.stdout.write(
    JSON.stringify({
      ...size,
      fileBytes: bytes.length,
      perModelBytes: Math.round(per),
      factor: Number((per / bytes.length).toFixed(2)),
    }),
  );
  void held;
}

if (process.argv[2] === '--child') await child(JSON.parse(process.argv[3]));
else {
  const rows = SIZES.map((size) =>
    JSON.parse(
      execFileSync(
        process.execPath,
        ['--expose-gc', fileURLToPath(import.meta.url), '--child', JSON.stringify(size)],
        {
          encoding: 'utf8',
          env: { ...process.env, COPIES: String(COPIES) },
        },
      ),
    ),
  );
  console.log(JSON.stringify({ copies: COPIES, rows }, null, 1));
}
