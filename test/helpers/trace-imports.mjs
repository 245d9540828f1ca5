// Loaded with `node --import`: records every module URL the process resolves into the file named by
// EGRESS_LAB_TRACE_IMPORTS, so a test can see which packages a command loads.
import { register } from 'node:module';

const hooks = `
import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  appendFileSync(process.env.EGRESS_LAB_TRACE_IMPORTS, result.url + '\\n');
  return result;
}`;
register(`data:text/javascript,${encodeURIComponent(hooks)}`);
