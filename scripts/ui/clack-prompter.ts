import * as p from '@clack/prompts';
import { CancelledError } from '../errors.ts';
import type { Choice, Prompter, Streams } from './prompter.ts';

function answered<T>(value: T | symbol): Exclude<T, symbol> {
  if (p.isCancel(value)) throw new CancelledError();
  return value as Exclude<T, symbol>;
}

/** The choices as clack's options (one mapping for select and multiselect: a disabled choice stays disabled in both). */
function clackOptions(choices: readonly Choice<string>[]): never {
  return choices.map((o) => ({
    value: o.value,
    label: o.label,
    ...(o.hint ? { hint: o.hint } : {}),
    ...(o.disabled ? { disabled: true } : {}),
  })) as never;
}

/** The interactive prompter: @clack/prompts on the given terminal streams (the only module that imports clack). */
export function clackPrompter(streams: Streams): Prompter {
  const io = { input: streams.stdin as NodeJS.ReadStream, output: streams.stdout as NodeJS.WriteStream };
  return {
    interactive: true,
    async select(q) {
      return answered(
        await p.select({ message: q.message, options: clackOptions(q.options), initialValue: q.initial, ...io }),
      ) as never;
    },
    async multiselect(q) {
      return answered(
        await p.multiselect({
          message: q.message,
          options: clackOptions(q.options),
          initialValues: q.initial ?? [],
          required: false,
          ...io,
        }),
      ) as never;
    },
    async confirm(q) {
      return answered(await p.confirm({ message: q.message, initialValue: q.initial ?? true, ...io }));
    },
    async text(q) {
      return answered(
        await p.text({
          message: q.message,
          placeholder: q.placeholder,
          initialValue: q.initial,
          validate: q.validate ? (v) => q.validate!(v ?? '') : undefined,
          ...io,
        }),
      );
    },
    async password(q) {
      return answered(await p.password({ message: q.message, mask: '•', ...io }));
    },
    note(title, body) {
      p.note(body, title, { output: io.output });
    },
  };
}
