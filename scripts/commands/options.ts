import * as z from 'zod';
import { InputError } from '../errors.ts';
import { stepTimeoutProblem } from '../lab/timeouts.ts';

export { checkSeat } from '../profile/layout.ts';

import type { ProfileFlags } from '../profile/flags.ts';

/**
 * A verb's options as commander parsed them, checked once against the verb's zod schema before anything runs:
 * a bad value is an InputError (exit 2) of one line that names the flag.
 */
export function parseOptions<S extends z.ZodType>(schema: S, raw: unknown): z.output<S> {
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const key = issue.code === 'unrecognized_keys' ? issue.keys[0] : issue.path[0];
  const flag = `--${String(key ?? '').replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
  throw new InputError(
    issue.code === 'unrecognized_keys' ? `${flag}: not an option of this command` : `${flag}: ${issue.message}`,
  );
}

/** A flag that takes a value: commander gives a string. */
export const text = () => z.string().optional();
/** A flag without a value (or its --no- form): commander gives a boolean. */
export const onOff = () => z.boolean().optional();

/** The profile flags every verb that loads a profile takes; their values are checked where the profile is loaded. */
export const profileFlags = {
  profile: text(),
  platform: text(),
  stack: text(),
  squid: onOff(),
  extAuth: onOff(),
  gkeProject: text(),
  gkeLocation: text(),
  gkeCluster: text(),
  seats: text(),
  scenario: z.array(z.string()).optional(),
} satisfies Record<keyof Omit<ProfileFlags, 'squidExternal'>, z.ZodType>;

/** --step-timeout SECONDS: the rule of lab/timeouts.ts, checked with the other options. */
export const stepTimeout = () =>
  z
    .string()
    .refine((v) => stepTimeoutProblem(v) === undefined, {
      error: (issue) => stepTimeoutProblem(String(issue.input)),
    })
    .transform(Number)
    .optional();

/** --seat N: a seat number; whether the lab has it is checkSeat's question, once the lab is known. */
export const seatOption = () =>
  z
    .string()
    .regex(/^[1-9]\d*$/, { error: (issue) => `"${String(issue.input)}" is not a seat number (1, 2, …)` })
    .transform(Number)
    .optional();
