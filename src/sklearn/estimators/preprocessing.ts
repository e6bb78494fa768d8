// Per-row and per-column transformers beyond the scalers.
import type { Family } from '../flow.js';

export const family: Family = { family: 'preprocessing', transformers: {} };
