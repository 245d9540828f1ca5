import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../../scripts/paths.ts';
import { verifyReportJsonSchema } from '../../scripts/verify/report-schema.ts';

describe('schemas/verify-report.schema.json', () => {
  it('is what the zod schema of the verify report generates', () => {
    const committed = JSON.parse(readFileSync(join(packageRoot, 'schemas', 'verify-report.schema.json'), 'utf8'));
    const generated = JSON.parse(verifyReportJsonSchema());
    expect(
      committed,
      'schemas/verify-report.schema.json differs from scripts/verify/report-schema.ts: run `npm run schemas`',
    ).toEqual(generated);
  });
});
