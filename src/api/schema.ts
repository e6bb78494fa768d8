// The input schema /metadata publishes: JSON Schema for one named row, derived from the model card.
import { type FeatureSpec, type ModelCard, takesMissing } from '../onnx/card.js';

/**
 * Past this many features the schema does not list them one by one: a million-feature model's schema
 * would be 40 MB of JSON saying the same thing a million times. The card lists the names either way.
 */
export const SCHEMA_MAX_PROPERTIES = 10_000;

/**
 * One feature's value, by its type: a number (one of its `values` when listed), a category (one of its
 * categories, where an unknown one is refused; any string where the model takes unknown ones), or a
 * boolean; and null where it may be missing.
 */
function featureSchema(card: ModelCard, f: FeatureSpec): Record<string, unknown> {
  const missing = takesMissing(card, f);
  const json = f.type === 'category' ? 'string' : f.type;
  const type = missing ? { type: [json, 'null'] } : { type: json };
  const listed = f.type === 'category' && (f.unknown ?? 'reject') === 'reject' ? f.categories : f.values;
  const schema: Record<string, unknown> = listed
    ? { ...type, enum: missing ? [...listed, null] : listed }
    : type;
  if (f.type === 'category' && !listed) schema.examples = f.categories?.slice(0, 20);
  if (f.column !== undefined)
    schema.description = `also taken as ${JSON.stringify(f.column)}, its column in the data`;
  return schema;
}

export function inputSchema(card: ModelCard): Record<string, unknown> {
  const n = card.features.length;
  const listed = n <= SCHEMA_MAX_PROPERTIES;
  const missing = card.features.map((f) => takesMissing(card, f));
  const all = missing.every(Boolean);
  const some = !all && missing.some(Boolean);
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    title: `${card.name}: one row`,
    description:
      'One row keyed by feature name. Batches: {"input": [[...], ...]} with rows in feature order (or objects), or {"instances": [{...}, ...]}.' +
      (all ? ' null or an absent feature is a missing value, imputed by the model.' : '') +
      (some
        ? ' null or an absent feature is a missing value, which the model takes for the features whose schema allows null (the others are required).'
        : '') +
      (card.features.some((f) => f.values)
        ? ' A number feature with an enum takes only those numbers (the categories its encoder was fitted on).'
        : '') +
      (card.features.some((f) => f.type === 'category')
        ? ' A category feature takes one of its categories as a string (or a number whose text is one).'
        : '') +
      (listed
        ? ''
        : ` The model has ${n} features, more than this schema lists one by one (${SCHEMA_MAX_PROPERTIES}): each key must be one of the names in card.features, in whose order array rows are read.`),
    type: 'object',
    ...(listed
      ? {
          properties: Object.fromEntries(card.features.map((f) => [f.name, featureSchema(card, f)])),
          ...(all ? {} : { required: card.features.filter((_, i) => !missing[i]).map((f) => f.name) }),
          additionalProperties: false,
          featureOrder: card.features.map((f) => f.name),
        }
      : {
          // Unlisted: the loosest of the features' rules (card.features has each one's own).
          additionalProperties: some || all ? { type: ['number', 'null'] } : { type: 'number' },
          maxProperties: n,
          ...(all || some ? {} : { minProperties: n }),
        }),
  };
}
