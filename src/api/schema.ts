// The input schema /metadata publishes: JSON Schema for one named row, derived from the model card.
import type { ModelCard } from '../onnx/card.js';

export function inputSchema(card: ModelCard): Record<string, unknown> {
  const value = card.missing === 'impute' ? { type: ['number', 'null'] } : { type: 'number' };
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    title: `${card.name}: one row`,
    description:
      'One row keyed by feature name. Batches: {"input": [[...], ...]} with rows in feature order (or objects), or {"instances": [{...}, ...]}.' +
      (card.missing === 'impute'
        ? ' null or an absent feature is a missing value, imputed by the model.'
        : ''),
    type: 'object',
    properties: Object.fromEntries(card.features.map((f) => [f.name, value])),
    ...(card.missing === 'impute' ? {} : { required: card.features.map((f) => f.name) }),
    additionalProperties: false,
    featureOrder: card.features.map((f) => f.name),
  };
}
