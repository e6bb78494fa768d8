// Feature selection: the kept columns, gathered.
import type { Family } from '../flow.js';

export const family: Family = { family: 'feature selection', transformers: {} };
