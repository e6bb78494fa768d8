// A registry of several models for the tests of what reads one (metrics, the OpenAPI document): each
// entry's status is set by the test (ready, loading, failed), with the load figures it reports.
import {
  cardVersion,
  type ModelCounters,
  type ModelEntry,
  type ModelRegistry,
  type ModelStatus,
  readyPredictor,
} from '../../src/api/registry.js';

export interface TestModel {
  name: string;
  status: ModelStatus;
  /** Its counters, where the test gives some (the rest are 0). */
  counters?: Partial<ModelCounters>;
}

export class TestRegistry implements ModelRegistry {
  readonly entries: ModelEntry[];

  constructor(models: TestModel[]) {
    this.entries = models.map((m) => ({
      name: m.name,
      get version() {
        return m.status.state === 'ready' ? cardVersion(m.status.predictor) : undefined;
      },
      status: () => m.status,
      ...(m.counters
        ? {
            counters: {
              loads: 0,
              loadFailures: 0,
              reloads: 0,
              reloadFailures: 0,
              evictions: 0,
              lastLoadMs: 0,
              ...m.counters,
            },
          }
        : {}),
    }));
  }

  defaultEntry(): ModelEntry | undefined {
    return this.entries[0];
  }

  list(): readonly ModelEntry[] {
    return this.entries;
  }

  find(name: string): ModelEntry | undefined {
    return this.entries.find((e) => e.name === name);
  }

  async ready(entry: ModelEntry): Promise<import('../../src/runtime/predictor.js').Predictor> {
    return readyPredictor(entry, true);
  }
}
