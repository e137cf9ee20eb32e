import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storesFor } from '../../lib/adapters/dynamodb/stores';
import { type LocalDynamo, startLocalDynamo } from '../../lib/adapters/local/local-dynamo';
import { readSettings } from '../../lib/config';
import { Api, waitFor } from '../support/local';
import { type NpmStart, freePort, npmStart } from '../support/npm-start';
import { logFlow } from '../support/flows';

const start = (env: Record<string, string>): NpmStart => npmStart({ ...process.env, ...env });

describe('npm start on an external DynamoDB endpoint (DYNAMODB_ENDPOINT)', () => {
  let dynamo: LocalDynamo;
  const dataDir = mkdtempSync(join(tmpdir(), 'external-dynamo-'));
  beforeAll(async () => {
    dynamo = await startLocalDynamo();
  });
  afterAll(async () => {
    await dynamo.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps its data there, starts no embedded store, and still locks the data folder', async () => {
    const port = await freePort();
    const run = start({ PORT: String(port), DATA_DIR: dataDir, DYNAMODB_ENDPOINT: dynamo.endpoint });
    try {
      const api = new Api(`http://127.0.0.1:${port}`);
      const up = await waitFor(async () => (await api.call('GET', '/api/v1/flows/search').catch(() => ({ status: 0 }))).status === 200, 60_000, 200);
      expect(up, run.output()).toBe(true);
      expect(run.output()).toContain(`DynamoDB at ${dynamo.endpoint}`);
      expect((await api.createFlow(logFlow('external', 'stored', { id: 'hourly', cron: '0 * * * *' }))).status).toBe(200);

      const direct = storesFor(dynamo.client, readSettings({}).tables);
      expect((await direct.flows.get('external', 'stored'))?.id).toBe('stored');
      expect(existsSync(join(dataDir, 'dynamodb'))).toBe(false);
      expect(existsSync(join(dataDir, 'instance.lock'))).toBe(true);
    } finally {
      process.kill(-(run.child.pid as number), 'SIGTERM');
      await run.exited;
    }
  }, 90_000);

  it('refuses an endpoint that is not an http(s) URL, naming the variable', async () => {
    const run = start({ PORT: String(await freePort()), DATA_DIR: mkdtempSync(join(dataDir, 'bad-')), DYNAMODB_ENDPOINT: 'localhost:8000' });
    expect(await run.exited).toBe(1);
    expect(run.output()).toContain('Cannot start: DYNAMODB_ENDPOINT must be');
  }, 60_000);
});
