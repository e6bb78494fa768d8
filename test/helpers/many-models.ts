// Many small models for the multi-model tests: one quickly trained iris model written under many names
// (its card's name rewritten), so each file is a distinct model with its own name and digest.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { trainIris, withEditedCard } from './models.js';

let base: Uint8Array | undefined;

/** A small iris model (5 trees), trained once per test file. */
export function smallIris(): Uint8Array {
  base ??= trainIris({ nEstimators: 5 }).bytes;
  return base;
}

/** The small iris model named `name` (and versioned `version`, when given). */
export function namedModel(name: string, version?: string): Uint8Array {
  return withEditedCard(smallIris(), (card) => ({
    ...card,
    name,
    ...(version !== undefined ? { version } : {}),
  }));
}

/** Names m01, m02, ... */
export function modelNames(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `m${String(i + 1).padStart(2, '0')}`);
}

/** A new folder holding `count` models, each file named after its model (m01.onnx ...). */
export function modelFolder(count: number): { dir: string; names: string[] } {
  const dir = mkdtempSync(join(tmpdir(), 'modelgate-models-'));
  const names = modelNames(count);
  for (const name of names) writeFileSync(join(dir, `${name}.onnx`), namedModel(name));
  return { dir, names };
}
