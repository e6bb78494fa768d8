import { configDefaults, defineConfig } from 'vitest/config';

/** What every run shares: the suite's and the benchmark check's (vitest.bench.config.ts). */
export const shared = {
  testTimeout: 60_000,
  hookTimeout: 120_000,
  pool: 'forks',
} as const;

export default defineConfig({
  test: {
    ...shared,
    include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
    // `npm run bench -- --quick` end to end takes minutes: `npm run test:bench`, which CI also runs.
    exclude: [...configDefaults.exclude, 'test/bench/**'],
    // Vitest's default on 2 cores is 1 worker, but most files spend their time waiting on child
    // processes (the CLI, servers, Python) and sockets, not on this process's CPU. Measured on 2
    // cores: see docs/development.md.
    maxWorkers: 3,
  },
});
