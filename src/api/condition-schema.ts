import { z } from 'zod';

import {
  ACCOUNT_SIDES,
  COMPARATORS,
  HH_MM,
  ISO_COUNTRIES,
  MAX_CHILDREN,
  MAX_DEPTH,
  MAX_DEVICE_DAYS,
  MAX_LIST_ITEMS,
  MAX_NODES,
  MAX_WINDOW_SECONDS,
  TRAVEL_NOISE_KM,
} from '../risk/conditions';

/**
 * The rule condition language as a zod schema, for the API document's JSON Schema of a rule's
 * `condition`. `parseCondition` stays the judge of a request (its 422 names the exact path); this
 * schema says the same from the same vocabulary and limits, and test/risk/conditions.test.ts holds
 * the two to agreement. Two rules JSON Schema cannot say are in the descriptions: at most
 * {@link MAX_NODES} nodes in all, and a `timeOfDay` whose `from` and `to` differ.
 */

const bound = z.number();
const comparison = z
  .strictObject(Object.fromEntries(COMPARATORS.map((comparator) => [comparator, bound.optional()])))
  .refine((fields) => Object.keys(fields).length > 0)
  .meta({
    description: `at least one of ${COMPARATORS.join(', ')}; every bound given must hold`,
    // JSON Schema cannot see into a refinement, so the rule it checks is stated here.
    minProperties: 1,
  });
const anomalyComparison = z
  .strictObject(Object.fromEntries(COMPARATORS.map((comparator) => [comparator, bound.min(0).max(1).optional()])))
  .refine((fields) => Object.keys(fields).length > 0)
  .meta({ description: 'a comparison of a score from 0 to 1', minProperties: 1 });

const clock = z.string().regex(HH_MM).describe('a UTC time "HH:MM"');
const ISO_CURRENCY_CODES = Intl.supportedValuesOf('currency') as [string, ...string[]];
const countries = z
  .array(z.enum(ISO_COUNTRIES as [string, ...string[]]))
  .min(1)
  .max(MAX_LIST_ITEMS)
  .describe('ISO-3166 alpha-2 codes');

const leaf = z
  .union([
    z.strictObject({ amount: comparison }),
    z.strictObject({
      velocity: z
        .strictObject({
          windowSeconds: z.int().min(1).max(MAX_WINDOW_SECONDS),
          count: comparison.optional(),
          sum: comparison.optional(),
        })
        .meta({ anyOf: [{ required: ['count'] }, { required: ['sum'] }] }),
    }),
    z.strictObject({ dailyTotal: comparison }),
    z.strictObject({ newReceiver: z.boolean() }),
    z.strictObject({
      timeOfDay: z
        .strictObject({ from: clock, to: clock })
        .describe('submitted within [from, to) UTC, wrapping midnight when from > to; from and to differ'),
    }),
    z.strictObject({
      account: z.strictObject({
        side: z.enum(ACCOUNT_SIDES),
        in: z.array(z.string().min(1)).min(1).max(MAX_LIST_ITEMS),
      }),
    }),
    z.strictObject({
      currency: z.strictObject({ in: z.array(z.enum(ISO_CURRENCY_CODES)).min(1).max(MAX_LIST_ITEMS) }),
    }),
    z.strictObject({ anomalyScore: anomalyComparison }),
    z.strictObject({
      travel: z
        .strictObject({
          maxSpeedKmh: z.number().positive(),
          withinSeconds: z.int().min(1).max(MAX_WINDOW_SECONDS).optional(),
        })
        .describe(
          "the distance from the sender's other located transfer nearest in time, over the time between, " +
            `exceeds maxSpeedKmh (within withinSeconds of it, when given); under ${TRAVEL_NOISE_KM} km never ` +
            'counts, and an unknown location misses',
        ),
    }),
    z.strictObject({
      newDevice: z
        .strictObject({ days: z.int().min(1).max(MAX_DEVICE_DAYS) })
        .describe('the transfer names a device the sender has not used in the last `days` days; no device misses'),
    }),
    z.strictObject({
      country: z
        .union([z.strictObject({ in: countries }), z.strictObject({ notIn: countries })])
        .describe("the IP's country is (in) or is not (notIn) listed; an unknown country misses either way"),
    }),
  ])
  .meta({ description: 'a condition on one fact of the transfer' });

const levels = new Map<number, z.ZodType>();

/** Level `depth` of the tree (the root is 1): a leaf, or a combinator over the next level down. */
function level(depth: number): z.ZodType {
  if (depth === MAX_DEPTH) return leaf;
  const below = level(depth + 1);
  const children = z.array(below).min(1).max(MAX_CHILDREN);
  const node = z.union([
    leaf,
    z.strictObject({ all: children }),
    z.strictObject({ any: children }),
    z.strictObject({ not: below }),
  ]);
  levels.set(depth, node);
  return node;
}

/** A rule's condition: a JSON tree whose every node is an object with exactly one operator. */
export const conditionSchema = level(1).meta({
  description:
    `A JSON tree; each node is an object with exactly one operator. At most ${MAX_DEPTH} levels deep and ` +
    `${MAX_NODES} nodes in all; all/any take 1 to ${MAX_CHILDREN} sub-conditions.`,
});
levels.delete(1);

/** The language's parts by the names the API document gives them; `Condition` is the whole. */
export const conditionComponents: Record<string, z.ZodType> = {
  Condition: conditionSchema,
  ...Object.fromEntries([...levels].map(([depth, node]) => [`ConditionLevel${depth}`, node])),
  ConditionLeaf: leaf,
  Comparison: comparison,
  AnomalyComparison: anomalyComparison,
};
