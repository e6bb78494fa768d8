// The input schema /metadata publishes: JSON Schema for one named row, derived from the model card.
import { type FeatureSpec, type ModelCard, numberCategories, takesMissing } from '../onnx/card.js';

/**
 * Past this many features the schema does not list them one by one: a million-feature model's schema
 * would be 40 MB of JSON saying the same thing a million times. The card lists the names either way.
 */
export const SCHEMA_MAX_PROPERTIES = 10_000;

/** The JSON types of a feature's value (null apart), as the request encoder takes them. */
function jsonTypes(f: FeatureSpec): string[] {
  if (f.type === 'boolean') return ['boolean'];
  if (f.type === 'text') return ['string'];
  if (f.type !== 'category') return ['number'];
  // A category takes its text, or a number where some category is a number's text (codes).
  return numberCategories(f.categories ?? []).length > 0 ? ['string', 'number'] : ['string'];
}

/**
 * One feature's value, by its type: a number (one of its `values` when listed), a category (one of its
 * categories, or a number whose text is one, where an unknown one is refused; any string, and any
 * number if it has codes, where the model takes unknown ones), or a boolean; and null where it may be
 * missing.
 */
function featureSchema(card: ModelCard, f: FeatureSpec): Record<string, unknown> {
  const missing = takesMissing(card, f);
  const types = [...jsonTypes(f), ...(missing ? ['null'] : [])];
  const type = { type: types.length === 1 ? types[0] : types };
  const categories = f.categories ?? [];
  const listed: unknown[] | undefined =
    f.type === 'category' && (f.unknown ?? 'reject') === 'reject'
      ? [...categories, ...numberCategories(categories)]
      : f.values;
  const schema: Record<string, unknown> = listed
    ? { ...type, enum: missing ? [...listed, null] : listed }
    : type;
  if (f.type === 'category' && !listed) schema.examples = categories.slice(0, 20);
  if (f.type === 'text') schema.description = "free text: any string, read by the model's text vectorizer";
  if (f.min !== undefined && !listed) {
    schema.minimum = f.min.value;
    schema.description = `at least ${f.min.value}: ${f.min.because}`;
  }
  return schema;
}

/**
 * The rules for features a request may send under two names (its name and its column's spelling):
 * exactly one of them where the feature is required, at most one where it may be absent.
 */
function aliasRules(card: ModelCard, missing: readonly boolean[]): Record<string, unknown>[] {
  return card.features.flatMap((f, i) => {
    if (f.column === undefined || f.column === f.name) return [];
    const both = [f.name, f.column];
    return [
      missing[i]
        ? { not: { required: both } }
        : { oneOf: [{ required: [f.name] }, { required: [f.column] }] },
    ];
  });
}

export function inputSchema(card: ModelCard): Record<string, unknown> {
  const n = card.features.length;
  const listed = n <= SCHEMA_MAX_PROPERTIES;
  const missing = card.features.map((f) => takesMissing(card, f));
  const all = missing.every(Boolean);
  const some = !all && missing.some(Boolean);
  // A feature with a second spelling is required through aliasRules (either name), not `required`.
  const aliased = (f: FeatureSpec) => f.column !== undefined && f.column !== f.name;
  const required = card.features.filter((f, i) => !missing[i] && !aliased(f)).map((f) => f.name);
  const aliases = aliasRules(card, missing);
  const loosest = [...new Set([...card.features.flatMap(jsonTypes), ...(some || all ? ['null'] : [])])];
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
      (card.features.some((f) => f.type === 'text')
        ? ' A text feature takes any string ("" for none).'
        : '') +
      (listed
        ? ''
        : ` The model has ${n} features, more than this schema lists one by one (${SCHEMA_MAX_PROPERTIES}): each key must be one of the names in card.features (or a column spelling the card records), in whose order array rows are read.`),
    type: 'object',
    ...(listed
      ? {
          properties: Object.fromEntries(
            card.features.flatMap((f) => {
              const schema = featureSchema(card, f);
              if (f.column === undefined || f.column === f.name) return [[f.name, schema]];
              return [
                [
                  f.name,
                  {
                    ...schema,
                    description: `also taken as ${JSON.stringify(f.column)}, its column in the data`,
                  },
                ],
                [
                  f.column,
                  {
                    ...schema,
                    description: `the feature ${JSON.stringify(f.name)}, by its column in the data`,
                  },
                ],
              ];
            }),
          ),
          ...(required.length > 0 ? { required } : {}),
          ...(aliases.length > 0 ? { allOf: aliases } : {}),
          additionalProperties: false,
          featureOrder: card.features.map((f) => f.name),
        }
      : {
          // Unlisted: the loosest of the features' rules (card.features has each one's own).
          additionalProperties: { type: loosest },
          maxProperties: n,
          ...(all || some ? {} : { minProperties: n }),
        }),
  };
}
