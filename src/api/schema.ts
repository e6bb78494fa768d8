// The input schema /metadata publishes: JSON Schema for one named row, derived from the model card.
import type { ModelCard } from '../onnx/card.js';

/**
 * Past this many features the schema does not list them one by one: a million-feature model's schema
 * would be 40 MB of JSON saying the same thing a million times. The card lists the names either way.
 */
export const SCHEMA_MAX_PROPERTIES = 10_000;

export function inputSchema(card: ModelCard): Record<string, unknown> {
  const value = card.missing === 'impute' ? { type: ['number', 'null'] } : { type: 'number' };
  const n = card.features.length;
  const listed = n <= SCHEMA_MAX_PROPERTIES;
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    title: `${card.name}: one row`,
    description:
      'One row keyed by feature name. Batches: {"input": [[...], ...]} with rows in feature order (or objects), or {"instances": [{...}, ...]}.' +
      (card.missing === 'impute'
        ? ' null or an absent feature is a missing value, imputed by the model.'
        : '') +
      (listed
        ? ''
        : ` The model has ${n} features, more than this schema lists one by one (${SCHEMA_MAX_PROPERTIES}): each key must be one of the names in card.features, in whose order array rows are read.`),
    type: 'object',
    ...(listed
      ? {
          properties: Object.fromEntries(card.features.map((f) => [f.name, value])),
          ...(card.missing === 'impute' ? {} : { required: card.features.map((f) => f.name) }),
          additionalProperties: false,
          featureOrder: card.features.map((f) => f.name),
        }
      : {
          additionalProperties: value,
          maxProperties: n,
          ...(card.missing === 'impute' ? {} : { minProperties: n }),
        }),
  };
}
