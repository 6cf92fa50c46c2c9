// The attribute types toxics share: non-negative integers with a unit in the message, as the API
// reports them ("attributes.rate: expected >= 0").
import { z } from 'zod';

export const count = (unit: string, max = Number.MAX_SAFE_INTEGER) =>
  z.number({ error: `expected a number of ${unit}` }).int('expected an integer').min(0, 'expected >= 0').max(max, `expected <= ${max}`);

/** Up to an hour, as latency allows. */
export const millis = () => count('milliseconds', 3_600_000);
