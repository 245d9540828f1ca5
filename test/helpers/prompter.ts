import type { Prompter } from '../../scripts/ui/prompter.ts';

/** One question as the wizard put it. */
export interface Asked {
  kind: 'select' | 'confirm' | 'text' | 'password' | 'multiselect';
  message: string;
  flag: string;
  initial?: unknown;
  options?: { value: string; label: string; hint?: string; disabled?: boolean }[];
}

/**
 * An interactive Prompter driven by a script: each answer is matched by a piece of the question's flag or
 * message; ENTER takes what the prompt offers (its initial value). A text answer its `validate` refuses is
 * recorded in `refused` and the next scripted answer is tried, as a user retypes.
 */
export function scriptedPrompter(script: [match: string, answer: string | boolean | typeof ENTER][]) {
  const asked: Asked[] = [];
  const refused: string[] = [];
  const notes: string[] = [];
  const take = (q: { message: string; flag: string }, initial: unknown): unknown => {
    const i = script.findIndex(([m]) => q.flag.includes(m) || q.message.includes(m));
    if (i < 0) throw new Error(`unscripted question: ${q.message} (${q.flag})`);
    const [[, answer]] = script.splice(i, 1) as [[string, unknown]];
    return answer === ENTER ? initial : answer;
  };
  const prompter: Prompter = {
    interactive: true,
    async select(q) {
      asked.push({ kind: 'select', message: q.message, flag: q.flag, initial: q.initial, options: q.options });
      const answer = take(q, q.initial);
      // The terminal never lands on a disabled option: a script that picks one is a broken test.
      if (q.options.some((o) => o.value === answer && o.disabled)) throw new Error(`disabled option picked: ${answer}`);
      return answer as never;
    },
    /** A multiselect's answer is the picked values, comma-separated ('' picks none); ENTER keeps `initial`. */
    async multiselect(q) {
      asked.push({ kind: 'multiselect', message: q.message, flag: q.flag, initial: q.initial, options: q.options });
      const answer = take(q, q.initial ?? []);
      const picked = Array.isArray(answer) ? answer : String(answer).split(',').filter(Boolean);
      // As in select: clack never picks a disabled option.
      for (const value of picked)
        if (q.options.some((o) => o.value === value && o.disabled)) throw new Error(`disabled option picked: ${value}`);
      return picked as never;
    },
    async confirm(q) {
      asked.push({ kind: 'confirm', message: q.message, flag: q.flag, initial: q.initial });
      return take(q, q.initial ?? true) as boolean;
    },
    async text(q) {
      asked.push({ kind: 'text', message: q.message, flag: q.flag, initial: q.initial });
      for (;;) {
        const value = String(take(q, q.initial ?? ''));
        const problem = q.validate?.(value);
        if (!problem) return value;
        refused.push(problem);
      }
    },
    async password(q) {
      asked.push({ kind: 'password', message: q.message, flag: q.flag });
      return String(take(q, ''));
    },
    note: (title, body) => void notes.push(`${title}: ${body}`),
  };
  return { prompter, asked, refused, notes };
}

export const ENTER = Symbol('enter');
