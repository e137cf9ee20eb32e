import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The seed documentation's flow, as the repository ships it in ./flows (loaded by `npm start`). */
export const SEED_FLOW = readFileSync(join(import.meta.dirname, '..', '..', 'flows', 'dev.scheduled_flow.yaml'), 'utf8');
