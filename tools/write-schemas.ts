// `npm run schemas`: writes schemas/verify-report.schema.json from the zod schema of the verify report.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../scripts/paths.ts';
import { verifyReportJsonSchema } from '../scripts/verify/report-schema.ts';

const file = join(packageRoot, 'schemas', 'verify-report.schema.json');
writeFileSync(file, verifyReportJsonSchema());
process.stdout.write(`wrote ${file}\n`);
