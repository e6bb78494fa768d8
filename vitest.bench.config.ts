import { defineConfig } from 'vitest/config';
import { shared } from './vitest.config.js';

// `npm run test:bench`: the quick benchmark run end to end (test/bench), alone on the machine, since
// it measures. CI runs it after `npm test`.
export default defineConfig({
  test: { ...shared, include: ['test/bench/**/*.test.ts'], maxWorkers: 1 },
});
