// What the tree converters write, beside what answers alone do not show: a boosting leaf adds to its
// own class only (one target entry per leaf, as skl2onnx writes it), so a k-class model is not k
// times larger than it needs to be.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { AttributeProto } from '../../src/onnx/proto.js';
import { sklearnToOnnx } from '../../src/sklearn/convert.js';
import { loadModelFile } from '../../src/sklearn/joblib.js';

const fixture = (name: string) =>
  new Uint8Array(readFileSync(fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url))));

async function treeAttributes(name: string): Promise<Map<string, AttributeProto>> {
  const { model } = await sklearnToOnnx(await loadModelFile(fixture(name)), { name: 'm', source: name });
  const node = model.graph.node.find((n) => n.opType === 'TreeEnsembleRegressor');
  if (!node) throw new Error(`no TreeEnsembleRegressor in ${name}`);
  return new Map(node.attribute.map((a) => [a.name, a]));
}

describe('tree ensemble layout', () => {
  it.each(['differential/gb-multi.joblib', 'sklearn/hgb-multi.joblib'])(
    'gives each leaf of a multiclass boosting model (%s) one target, its tree class',
    async (file) => {
      const a = await treeAttributes(file);
      const leaves = (a.get('nodes_modes')?.strings ?? []).filter(
        (s) => new TextDecoder().decode(s) === 'LEAF',
      ).length;
      const targets = a.get('target_ids')?.ints ?? [];
      expect(leaves).toBeGreaterThan(0);
      expect(targets).toHaveLength(leaves);
      expect(new Set(targets).size).toBe(a.get('n_targets')?.i);
    },
  );
});
