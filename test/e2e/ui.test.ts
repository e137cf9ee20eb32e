import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, type Page, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { buildUi } from '../../lib/ui/build';
import { SEED_FLOW, type TestProduct, startProduct } from '../support/local';

/**
 * The web UI end to end in headless Chromium (Debian's `chromium`, driven by playwright-core):
 * flows → triggers → backfill dialog → live progress → pause/resume → details → executions → logs.
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTIFACTS = join(import.meta.dirname, '..', '..', 'test-artifacts');

const MINUTE_FLOW = `id: every_minute
namespace: dev.ui
description: A per-minute flow for the web UI test
inputs:
  - id: region
    type: STRING
  - id: retries
    type: INT
    required: false
    defaults: 2
  - id: mode
    type: STRING
    required: false
    defaults: full
tasks:
  - id: work
    type: io.kestra.plugin.scripts.shell.Commands
    runner: PROCESS
    commands:
      - echo "exporting {{ inputs.region }} for {{ trigger.date }}"
      - sleep 0.3
triggers:
  - id: minutely
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "* * * * *"
    inputs:
      retries: 5
`;

// Without Chromium (a developer machine that has not installed it) the suite is skipped; CI installs it
// and sets REQUIRE_BROWSER_TESTS=1, so there it always runs, and fails if the browser is missing.
describe.skipIf(!existsSync(CHROMIUM) && process.env.REQUIRE_BROWSER_TESTS !== '1')('web UI (headless Chromium)', () => {
  let product: TestProduct;
  let browser: Browser;
  let page: Page;
  /** The API paths the page called (`/ui/api/v1/…`), each once, to check which routes the UI uses. */
  const called = new Set<string>();
  const shot = (name: string) => page.screenshot({ path: join(ARTIFACTS, `ui-${name}.png`), fullPage: true });

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    await buildUi();
    product = await startProduct({
      // Small batches and few executions in flight, so a pause shows within a second or two.
      env: { BACKFILL_BATCH_SIZE: '4', BACKFILL_MAX_IN_FLIGHT: '4', BACKFILL_THROTTLE_WAIT_SECONDS: '1' },
      workerConcurrency: 2,
    });
    expect((await product.api.createFlow(SEED_FLOW)).status).toBe(200);
    expect((await product.api.createFlow(MINUTE_FLOW)).status).toBe(200);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    page.setDefaultTimeout(15_000);
    page.on('request', (request) => {
      const { pathname } = new URL(request.url());
      if (pathname.startsWith('/ui/api/v1/')) called.add(`${request.method()} ${pathname}`);
    });
  });

  afterAll(async () => {
    await browser?.close();
    await product?.close();
  });

  const progress = async () => Number(await page.locator('.progress-text').getAttribute('data-done'));
  /**
   * The parts of the ids (`.id-text`) laid out over more than one line: an id may break only between
   * its parts (after a separator, where a <wbr> stands), never inside one. Each part is a text node.
   */
  const idsBrokenMidToken = (ids: ReturnType<Page['locator']>) =>
    ids.evaluateAll((elements) =>
      elements.flatMap((element) =>
        Array.from(element.childNodes)
          .filter((node) => node.nodeType === Node.TEXT_NODE && node.textContent)
          .filter((node) => {
            const range = document.createRange();
            range.selectNodeContents(node);
            return new Set(Array.from(range.getClientRects(), (rect) => Math.round(rect.top))).size > 1;
          })
          .map((node) => node.textContent),
      ),
    );
  // expect.poll gives up after one second unless told: as long as a locator waits (setDefaultTimeout).
  const POLL = { timeout: 15_000 };

  /**
   * Creates `dev.ui.<id>`, an hourly flow whose executions each wait for a gate file, so that its
   * backfills stay active while a test looks; the gate opens (and goes) when the test finishes.
   */
  async function createGatedHourlyFlow(id: string): Promise<void> {
    const gateDir = mkdtempSync(join(tmpdir(), `ui-${id}-`));
    const gate = join(gateDir, 'open');
    onTestFinished(() => {
      writeFileSync(gate, '');
      rmSync(gateDir, { recursive: true, force: true });
    });
    const flow = `id: ${id}
namespace: dev.ui
tasks:
  - id: work
    type: io.kestra.plugin.scripts.shell.Commands
    runner: PROCESS
    timeout: PT60S
    commands:
      - 'while [ ! -f "${gate}" ]; do sleep 0.05; done'
triggers:
  - id: hourly
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "0 * * * *"
`;
    expect((await product.api.createFlow(flow)).status).toBe(200);
  }

  it('backfills a trigger from the UI and follows it live', async () => {
    // Flows list → seed flow → Triggers tab.
    await page.goto(`${product.runtime.url}/ui`);
    await page.getByRole('heading', { name: 'Flows' }).waitFor();
    await page.getByRole('link', { name: 'scheduled_flow' }).click();
    await page.getByText('processing data for').waitFor(); // Overview: the YAML
    await page.getByRole('navigation', { name: 'Flow sections' }).getByRole('link', { name: 'Triggers' }).click();
    const seedRow = page.locator('tr[data-trigger="schedule"]');
    await seedRow.getByText('*/30 * * * *').waitFor();
    await expect(seedRow.getByRole('button', { name: 'Backfill executions' }).isEnabled()).resolves.toBe(true);
    await shot('01-seed-triggers');

    // A server 400 shows next to the field its `path` names: a window with no */30 tick.
    await seedRow.getByRole('button', { name: 'Backfill executions' }).click();
    const seedDialog = page.getByRole('dialog', { name: 'Backfill executions' });
    const noTick = await page.evaluate(() => {
      const d = new Date(Date.now() - 3 * 3600_000);
      d.setMinutes(10, 0, 0);
      const pad = (n: number) => String(n).padStart(2, '0');
      return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
    });
    await seedDialog.getByLabel('Start').fill(noTick);
    await seedDialog.getByLabel('End', { exact: true }).fill(noTick);
    // The dry run says so first, at the field (its 400 names backfill.start), then the creation's own 400.
    await seedDialog.locator('#bf-start-error').getByText('holds no tick').waitFor();
    expect(await seedDialog.locator('.preview').count()).toBe(0); // not said twice
    await seedDialog.getByRole('button', { name: 'Execute backfill' }).click();
    await seedDialog.locator('#bf-start-error').getByText('holds no tick').waitFor();
    await shot('01b-server-error');
    await page.keyboard.press('Escape');
    await seedDialog.waitFor({ state: 'hidden' });

    // The per-minute flow: open the dialog.
    await page.goto(`${product.runtime.url}/ui#/flows/dev.ui/every_minute/triggers`);
    const row = page.locator('tr[data-trigger="minutely"]');
    await row.getByRole('button', { name: 'Backfill executions' }).click();
    const dialog = page.getByRole('dialog', { name: 'Backfill executions' });
    await dialog.waitFor();
    const execute = dialog.getByRole('button', { name: 'Execute backfill' });
    expect(await execute.isDisabled()).toBe(true);
    // The disabled button says why: a note beside it, which it is described by.
    const blockers = dialog.locator('#bf-blockers');
    await blockers.getByText('Execute backfill is off until:').waitFor();
    expect(await blockers.locator('li').allTextContents()).toEqual(['Start is required', 'Input region is required']);
    expect(await execute.getAttribute('aria-describedby')).toBe('bf-blockers');
    // An empty input shows what the executions get: the trigger's value where it sets one, else the flow's default.
    expect(await dialog.locator('#input-retries').getAttribute('placeholder')).toBe('trigger: 5');
    expect(await dialog.locator('#input-mode').getAttribute('placeholder')).toBe('default: full');
    expect(await dialog.locator('#input-region').getAttribute('placeholder')).toBe('');

    // Times in the browser's zone, as the datetime-local inputs take them.
    const [start, end, endBeforeStart] = await page.evaluate(() => {
      const pad = (n: number) => String(n).padStart(2, '0');
      const local = (d: Date) => `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
      const now = Date.now();
      return [local(new Date(now - 120 * 60_000)), local(new Date(now - 40 * 60_000)), local(new Date(now - 150 * 60_000))];
    });
    await dialog.getByLabel('Start').fill(start);
    await dialog.getByLabel('End', { exact: true }).fill(endBeforeStart);
    await dialog.locator('#bf-end-error').getByText('End must be on or after start').waitFor();
    expect(await blockers.locator('li').allTextContents()).toContain('End must be on or after start');
    await dialog.getByLabel('End', { exact: true }).fill(end);
    expect(await execute.isDisabled()).toBe(true); // the required input `region` is empty
    await dialog.locator('#input-region').fill('eu-west');
    await dialog.getByRole('button', { name: 'Add label' }).click();
    // An incomplete label row keeps the button off, and says so at the row and beside the button.
    expect(await execute.isDisabled()).toBe(true);
    const labelRow = dialog.locator('[data-label-row="0"]');
    await labelRow.getByText('Key and value are both needed (or remove this label)').waitFor();
    expect(await blockers.locator('li').allTextContents()).toEqual(['Label 1: key and value are both needed (or remove this label)']);
    expect(await dialog.getByLabel('Label 1 key').getAttribute('aria-describedby')).toBe('label-0-problem');
    await dialog.getByLabel('Label 1 key').fill('reason');
    await labelRow.getByText('A value is needed too (or remove this label)').waitFor();
    expect(await execute.isDisabled()).toBe(true);
    await shot('02a-incomplete-label');
    await dialog.getByLabel('Label 1 value').fill('outage');
    expect(await execute.isEnabled()).toBe(true);
    expect(await labelRow.locator('.label-problem').count()).toBe(0);
    expect(await blockers.count()).toBe(0);
    // The dry run tells how many executions this will create before anyone presses the button.
    await dialog
      .getByRole('status')
      .getByText(/^Will create \d+ executions/)
      .waitFor();
    const previewed = Number(await dialog.locator('.preview[data-count]').getAttribute('data-count'));
    await shot('02-backfill-dialog');
    await execute.click();
    await dialog.waitFor({ state: 'hidden' });

    // Live progress, without reloading.
    await row.locator('.progress-text').waitFor();
    // The dialog stays at hand: another window can be backfilled beside this one.
    expect(await row.getByRole('button', { name: 'Backfill executions' }).isEnabled()).toBe(true);
    const total = Number(await row.locator('.progress-text').getAttribute('data-total'));
    expect(total).toBeGreaterThanOrEqual(80);
    expect(total).toBe(previewed);
    await expect.poll(progress, { timeout: 15_000, interval: 200 }).toBeGreaterThan(0);
    const before = await progress();
    await expect.poll(progress, { timeout: 15_000, interval: 200 }).toBeGreaterThan(before);
    await shot('03-progress');

    // Pause: the count settles once the executions already running end.
    await row.getByRole('button', { name: 'Pause' }).click();
    await row.getByRole('button', { name: 'Resume' }).waitFor();
    await row.getByText('Paused', { exact: true }).waitFor();
    await row
      .getByRole('status')
      .getByText(/^Paused: /)
      .waitFor(); // said at once, from the row the pause answered
    await shot('04a-just-paused');
    // A paused backfill has no pace to estimate from.
    await row.getByText('paused: no estimate').waitFor();
    // The pause is stored (the row shows it from the server), so a dispatch starting from now on
    // parks, and workers hold the executions that have not started (they stay queued); once the
    // running ones have ended, the server's count is final, and the page shows it.
    await product.runtime.tasksIdle();
    await product.runtime.queue.idle();
    const { progress: atRest } = (await product.api.call('GET', '/api/v1/triggers/dev.ui/every_minute')).body.results[0].backfill;
    const settled = atRest.succeeded + atRest.failed + atRest.skipped;
    expect(atRest.running).toBe(0);
    expect(settled + atRest.queued).toBe(atRest.dispatched);
    await expect.poll(progress, { timeout: 15_000, interval: 200 }).toBe(settled);
    expect(settled).toBeLessThan(total);
    // The paused cell says what still happens: nothing runs any more, and what waits for Resume.
    const note = row.locator('.paused-note');
    const notDispatched = total - atRest.dispatched;
    const waiting = [atRest.queued ? `${atRest.queued} queued` : '', notDispatched ? `${notDispatched} not dispatched yet` : ''].filter(Boolean).join(' and ');
    expect(waiting).not.toBe('');
    await expect.poll(() => note.textContent(), POLL).toMatch(new RegExp(`^Paused: ${waiting} waits? for Resume\\.$`));
    // Next execution is the trigger's live schedule, the backfill's cursor has its own column: both as the server says.
    const trigger1x = (await product.api.call('GET', '/api/v1/triggers/dev.ui/every_minute')).body.results[0];
    expect(trigger1x.liveNextExecutionDate).toBeDefined();
    expect(trigger1x.liveNextExecutionDate).not.toBe(trigger1x.backfill.currentDate);
    const iso = (date: string) => new Date(date).toISOString();
    expect(await page.locator('table.triggers thead th').allTextContents()).toEqual(expect.arrayContaining(['Next execution', 'Backfill at']));
    expect(await row.locator('td.next-execution time').getAttribute('datetime')).toBe(iso(trigger1x.liveNextExecutionDate));
    await expect.poll(() => row.locator('td.backfill-at time').getAttribute('datetime'), POLL).toBe(iso(trigger1x.backfill.currentDate));
    await shot('04-paused');

    // Resume: progress moves again.
    await row.getByRole('button', { name: 'Resume' }).click();
    await row.getByRole('button', { name: 'Pause' }).waitFor();
    await expect.poll(progress, { timeout: 15_000, interval: 200 }).toBeGreaterThan(settled);

    // Details drawer; Escape closes it.
    await row.getByRole('button', { name: 'Details' }).click();
    const drawer = page.getByRole('dialog', { name: 'Backfill details' });
    await drawer.getByText('reason:outage').waitFor();
    await drawer.getByText('State machine execution').waitFor();
    await drawer.getByText('(pinned: later edits do not apply)').waitFor();
    await drawer.getByText('eu-west').waitFor();
    const shown = (await product.api.call('GET', '/api/v1/triggers/dev.ui/every_minute')).body.results[0].backfill;
    const ids = drawer.locator('.id-text');
    expect(await ids.allTextContents()).toEqual(['dev.ui.every_minute.minutely', shown.stateMachineExecutionName, shown.id]);
    expect(await idsBrokenMidToken(ids)).toEqual([]);
    await shot('05-details');
    // Copied whole (the line-break hints are no text).
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: product.runtime.url });
    await drawer.getByRole('button', { name: 'Copy state machine execution name' }).click();
    await drawer.getByRole('button', { name: 'Copy state machine execution name' }).getByText('Copied').waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(shown.stateMachineExecutionName);
    await drawer.getByRole('button', { name: 'Copy backfill id' }).click();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(shown.id);

    // Narrow screens stay readable, the drawer's ids still whole between their separators.
    await page.setViewportSize({ width: 390, height: 844 });
    expect(await idsBrokenMidToken(ids)).toEqual([]);
    await shot('05b-details-narrow');
    await page.keyboard.press('Escape');
    await drawer.waitFor({ state: 'hidden' });
    await shot('06-narrow');
    await page.setViewportSize({ width: 1280, height: 860 });

    // Executions tab, filtered by label → an execution's task runs and logs.
    await page.getByRole('link', { name: 'Executions' }).click();
    await page.getByLabel('Labels').fill('reason:outage');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.getByText('with reason:outage').waitFor();
    const succeeded = page.locator('table.executions tr', { has: page.locator('.badge.state-success') }).first();
    await succeeded.waitFor();
    await shot('07-executions');
    await succeeded.locator('a').click();
    await page.getByRole('heading', { name: 'Logs' }).waitFor();
    await page
      .locator('.logs')
      .getByText(/exporting eu-west for/)
      .waitFor();
    await page.locator('table.taskruns').getByText('work').waitFor();
    // Durations in words, the ISO form on hover: the execution's and its task run's.
    const durations = page.locator('.duration');
    await expect.poll(() => durations.count(), POLL).toBe(2);
    for (const duration of await durations.all()) {
      expect(await duration.textContent()).toMatch(/^(\d+ ms|\d+(\.\d)? s|\d+ min( \d+ s)?)$/);
      expect(await duration.getAttribute('title')).toMatch(/^PT[\d.]+S$/);
    }
    await shot('08-execution-logs');

    // The filter lives in the URL: Back returns to the filtered list, and the link reopens it as is.
    await page.goBack();
    await page.getByText('with reason:outage').waitFor();
    expect(page.url()).toContain('/executions?labels=reason%3Aoutage');
    expect(await page.getByLabel('Labels').inputValue()).toBe('reason:outage');
    await page.getByLabel('State').selectOption('SUCCESS');
    await expect.poll(() => page.url(), POLL).toContain('labels=reason%3Aoutage&state=SUCCESS');
    const filtered = page.url();
    await page.goto('about:blank');
    await page.goto(filtered);
    await page.getByText('with reason:outage').waitFor();
    expect(await page.getByLabel('State').inputValue()).toBe('SUCCESS');
    expect(await page.locator('table.executions .badge').evaluateAll((badges) => badges.every((b) => b.classList.contains('state-success')))).toBe(true);

    // Back to the trigger: delete the running backfill, confirmed in a dialog that says what delete does.
    await page.goto(`${product.runtime.url}/ui#/flows/dev.ui/every_minute/triggers`);
    await row.getByRole('button', { name: 'Delete', exact: true }).click();
    const confirmDelete = page.getByRole('dialog', { name: 'Delete backfill?' });
    await confirmDelete.getByText(/^Delete stops dispatching new executions; /).waitFor();
    await confirmDelete.getByRole('button', { name: 'Delete backfill' }).click();
    await row.locator('.backfill-block').waitFor({ state: 'detached' });

    // It leaves its summary on the trigger: outcome, window, counts (as the server recorded them), start and end.
    const last = row.locator('.last-backfill[data-outcome="DELETED"]');
    await last.getByText('Last backfill DELETED').waitFor();
    await last.getByText(/^Window /).waitFor();
    await last.getByText(/^Started /).waitFor();
    const recorded = (await product.api.call('GET', '/api/v1/triggers/dev.ui/every_minute')).body.results[0].lastBackfill;
    const counts = last.locator('.last-backfill-counts');
    await counts.getByText(`${recorded.counts.dispatched} of ${total} ticks dispatched: ${recorded.counts.succeeded} succeeded`).waitFor();
    expect(recorded.counts.total).toBe(total);
    for (const field of ['dispatched', 'succeeded', 'failed', 'skipped', 'unfinished']) {
      expect(await counts.getAttribute(`data-${field}`)).toBe(String(recorded.counts[field]));
    }
    await shot('09-last-backfill');
  });

  it('previews a backfill that replays only ticks without any run (earlier runs skipped)', async () => {
    // The first test's backfill ran part of the last two hours of every_minute.
    await page.goto(`${product.runtime.url}/ui#/flows/dev.ui/every_minute/triggers`);
    const row = page.locator('tr[data-trigger="minutely"]');
    await row.getByRole('button', { name: 'Backfill executions' }).click();
    const dialog = page.getByRole('dialog', { name: 'Backfill executions' });
    const start = await page.evaluate(() => {
      const d = new Date(Date.now() - 130 * 60_000);
      const pad = (n: number) => String(n).padStart(2, '0');
      return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
    });
    await dialog.getByLabel('Start').fill(start);
    await dialog.locator('#input-region').fill('eu-west');
    await dialog
      .getByRole('status')
      .getByText(/^Will create \d+ executions, for the ticks from/)
      .waitFor();
    // The first test's runs of the flow time it; the cost is what it would be on AWS.
    await dialog
      .locator('.preview-estimate')
      .getByText(
        /^About .+ at once, the latest \d+ runs? of this flow took .+ \(median\)\. Costs about \$[\d.,]+ on AWS \(the local default bills nothing\)\.$/,
      )
      .waitFor();
    await dialog.getByLabel('Replay').selectOption('MISSING');
    await dialog
      .getByRole('status')
      .getByText(/ticks skipped: earlier runs cover them/)
      .waitFor();
    await shot('02b-replay-missing');
    await page.keyboard.press('Escape');
  });

  it('switches a trigger off and on, and shows a 409 from a backfill started meanwhile on an overlapping window', async () => {
    await page.goto(`${product.runtime.url}/ui#/flows/dev/scheduled_flow/triggers`);
    const row = page.locator('tr[data-trigger="schedule"]');
    const enabled = row.getByRole('switch', { name: 'Trigger schedule enabled' });
    const backfill = row.getByRole('button', { name: 'Backfill executions' });
    await enabled.waitFor();
    expect(await enabled.isChecked()).toBe(true);

    await enabled.click();
    await expect.poll(async () => (await product.api.call('GET', '/api/v1/triggers/dev/scheduled_flow')).body.results[0].disabled, POLL).toBe(true);
    await expect.poll(() => backfill.isDisabled(), POLL).toBe(true);
    await enabled.click();
    await expect.poll(async () => (await product.api.call('GET', '/api/v1/triggers/dev/scheduled_flow')).body.results[0].disabled, POLL).toBe(false);
    await expect.poll(() => backfill.isEnabled(), POLL).toBe(true);

    // The dialog is open when someone else starts a backfill through the API: the server's 409 shows.
    await backfill.click();
    const dialog = page.getByRole('dialog', { name: 'Backfill executions' });
    const start = await page.evaluate(() => {
      const d = new Date(Date.now() - 5 * 3600_000);
      d.setMinutes(0, 0, 0);
      const pad = (n: number) => String(n).padStart(2, '0');
      return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
    });
    await dialog.getByLabel('Start').fill(start);
    const elsewhere = await product.api.call('PUT', '/api/v1/triggers', {
      namespace: 'dev',
      flowId: 'scheduled_flow',
      triggerId: 'schedule',
      backfill: { start: new Date(Date.now() - 3 * 3600_000).toISOString(), end: null, labels: [{ key: 'by', value: 'api' }] },
    });
    expect(elsewhere.status).toBe(200);
    await dialog.getByRole('button', { name: 'Execute backfill' }).click();
    // The 409 names the backfill whose window overlaps this one.
    await dialog
      .getByRole('alert')
      .getByText(/^Backfill \S+ is already active on trigger schedule of flow dev\.scheduled_flow over .+, which overlaps this window/)
      .waitFor();
    await shot('09-conflict');
    await page.keyboard.press('Escape');
    await product.api.call('POST', '/api/v1/triggers/backfill/delete', { namespace: 'dev', flowId: 'scheduled_flow', triggerId: 'schedule' });
  });

  it('follows every backfill on the Triggers page, and pauses, deletes or cancels several at once', async () => {
    const since = (hours: number) => new Date(Date.now() - hours * 3600_000).toISOString();
    const seed = { namespace: 'dev', flowId: 'scheduled_flow', triggerId: 'schedule' };
    const minute = { namespace: 'dev.ui', flowId: 'every_minute', triggerId: 'minutely' };
    for (const [ref, inputs] of [
      [seed, null],
      [minute, { region: 'eu-north' }],
    ] as const) {
      const started = await product.api.call('PUT', '/api/v1/triggers', { ...ref, backfill: { start: since(24), end: since(1), inputs, labels: [] } });
      expect(started.status, JSON.stringify(started.body)).toBe(200);
    }
    await page.goto(`${product.runtime.url}/ui#/flows`);
    await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Triggers' }).click();
    await page.getByRole('heading', { name: 'Triggers' }).waitFor();
    const seedRow = page.locator('tr[data-trigger="dev/scheduled_flow/schedule"]');
    const minuteRow = page.locator('tr[data-trigger="dev.ui/every_minute/minutely"]');
    await seedRow.getByText(/\d+\/\d+ \(\d+%\)/).waitFor();
    await minuteRow.getByText(/\d+\/\d+ \(\d+%\)/).waitFor();
    // Each active backfill has its badge, and the live schedule and the backfill's cursor their own columns.
    for (const r of [seedRow, minuteRow]) {
      expect(await r.locator('[data-backfill-state="running"] .badge.state-running').textContent()).toBe('Running');
    }
    expect(await page.locator('table.all-triggers thead th').allTextContents()).toEqual(expect.arrayContaining(['Next execution', 'Backfill at']));
    const seedState = (await product.api.call('GET', '/api/v1/main/triggers/dev/scheduled_flow')).body.results[0];
    expect(await seedRow.locator('td.next-execution time').getAttribute('datetime')).toBe(new Date(seedState.liveNextEvaluationDate).toISOString());
    await shot('11-triggers-running');

    // Both selected (keyboard: Space on the header checkbox), both paused by one 2.x bulk call
    // (202), whose progress shows until it ends. Its first read is held until the running state has
    // been seen: the operation itself ends within a second, often before the first read.
    let releaseRead: () => void = () => {};
    const readHeld = new Promise<void>((resolve) => {
      releaseRead = resolve;
    });
    let heldOnce = false;
    await page.route('**/ui/api/v1/main/operations/*', async (route) => {
      if (!heldOnce) {
        heldOnce = true;
        await readHeld;
      }
      await route.continue();
    });
    onTestFinished(() => page.unroute('**/ui/api/v1/main/operations/*'));
    await page.getByRole('checkbox', { name: 'Select all triggers' }).focus();
    await page.keyboard.press('Space');
    const accepted = page.waitForResponse((r) => r.url().endsWith('/ui/api/v1/main/triggers/backfill/pause/by-triggers'));
    await page.getByRole('button', { name: 'Pause backfills' }).click();
    expect(await (await accepted).json()).toEqual({ operationId: expect.any(String), totalItems: 2 });
    const bar = page.getByRole('progressbar', { name: 'Bulk action progress' });
    await page.getByRole('status').getByText('Pause backfills: 0 of 2 triggers handled…').waitFor();
    expect(await bar.getAttribute('aria-valuenow')).toBe('0');
    expect(await page.getByRole('button', { name: 'Resume backfills' }).isDisabled()).toBe(true); // one bulk action at a time
    await shot('11a-bulk-running');
    releaseRead();
    await page.getByRole('status').getByText('Pause backfills: done, 2 of 2 triggers changed.').waitFor();
    expect(await bar.getAttribute('aria-valuenow')).toBe('2');
    expect(await bar.getAttribute('aria-valuemax')).toBe('2');
    await seedRow.locator('[data-backfill-state="paused"] .badge.state-paused').getByText('Paused', { exact: true }).waitFor();
    await minuteRow.locator('[data-backfill-state="paused"] .badge.state-paused').getByText('Paused', { exact: true }).waitFor();
    for (const ref of [seed, minute]) {
      const { body } = await product.api.call('GET', `/api/v1/triggers/${ref.namespace}/${ref.flowId}`);
      expect(body.results[0].backfill.paused).toBe(true);
    }
    await shot('11-triggers');

    // Disable both, then enable them again (set-disabled/by-triggers): the rows follow each.
    await page.getByRole('button', { name: 'Disable', exact: true }).click();
    await page.getByRole('status').getByText('Disable: done, 2 of 2 triggers changed.').waitFor();
    await seedRow.getByText('Disabled', { exact: true }).waitFor();
    await minuteRow.getByText('Disabled', { exact: true }).waitFor();
    await page.getByRole('button', { name: 'Enable', exact: true }).click();
    await page.getByRole('status').getByText('Enable: done, 2 of 2 triggers changed.').waitFor();
    await seedRow.getByText('Enabled', { exact: true }).waitFor();
    await minuteRow.getByText('Enabled', { exact: true }).waitFor();
    expect((await product.api.call('GET', '/api/v1/triggers/dev/scheduled_flow')).body.results[0].disabled).toBe(false);

    // The namespace filter lives in the URL; delete takes a second click to confirm.
    await page.getByLabel('Namespace').fill('dev.ui');
    await page.getByRole('button', { name: 'Filter' }).click();
    await expect.poll(() => page.url(), POLL).toContain('#/triggers?namespace=dev.ui');
    await expect.poll(() => seedRow.count(), POLL).toBe(0);
    await page.getByRole('checkbox', { name: 'Select all triggers' }).uncheck();
    await minuteRow.getByRole('checkbox').check();
    await page.getByRole('button', { name: 'Delete backfills' }).click();
    await page.getByRole('button', { name: 'Confirm: delete backfills' }).click();
    await page.getByRole('status').getByText('Delete backfills: done, 1 of 1 trigger changed.').waitFor();
    await minuteRow.locator('td[data-label="Backfill"]').getByText('—').waitFor();
    expect((await product.api.call('GET', '/api/v1/triggers/dev.ui/every_minute')).body.results[0].backfill).toBeUndefined();
    expect((await product.api.call('GET', '/api/v1/triggers/dev/scheduled_flow')).body.results[0].backfill.paused).toBe(true);

    // A trigger the action cannot change is listed with the reason, and the operation ends FAILED.
    await page.getByRole('button', { name: 'Resume backfills' }).click();
    await page.getByRole('status').getByText('Resume backfills: done, 0 of 1 trigger changed, 1 failed.').waitFor();
    await page.getByRole('list', { name: 'Triggers not changed' }).getByText('No backfill found').waitFor();
    expect(await page.locator('section.operation').getAttribute('data-state')).toBe('FAILED');
    await shot('11b-bulk-failed');

    // Cancel (ours) in bulk: resumed, the seed's backfill runs again; chosen alone on the dev page, its
    // cancel asks first, saying its running and queued executions are killed, and it ends CANCELLED.
    expect((await product.api.call('PUT', '/api/v1/triggers/backfill/unpause', seed)).status).toBe(200);
    await page.getByLabel('Namespace').fill('dev');
    await page.getByRole('button', { name: 'Filter' }).click();
    await seedRow.locator('[data-backfill-state="running"]').waitFor();
    await minuteRow.getByRole('checkbox').uncheck(); // chosen for the delete above
    await seedRow.getByRole('checkbox').check();
    await page.getByText('1 selected').waitFor();
    await page.getByRole('button', { name: 'Cancel backfills' }).click();
    await page
      .getByRole('alert')
      .getByText(/Cancel kills .*running and queued executions of the 1 backfill chosen/)
      .waitFor();
    await shot('11c-bulk-cancel-confirm');
    await page.getByRole('button', { name: 'Confirm: cancel backfills' }).click();
    await page.getByRole('status').getByText('Cancel backfills: done, 1 of 1 trigger changed.').waitFor();
    await expect
      .poll(async () => (await product.api.call('GET', '/api/v1/triggers/dev/scheduled_flow')).body.results[0].lastBackfill?.outcome, POLL)
      .toBe('CANCELLED');
    await seedRow.locator('td[data-label="Backfill"]').getByText('—').waitFor();
  });

  describe('on AWS (the page and API Gateway as the stack serves them, played by route handlers)', () => {
    const signInUrl = 'https://backfills.auth.eu-west-1.amazoncognito.com/login?client_id=abc&response_type=code';

    /** A page as the API function serves it with WEB_SIGN_IN_URL (test/integration/ui-serving.test.ts checks that part). */
    async function awsPage() {
      const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
      onTestFinished(() => context.close());
      const aws = await context.newPage();
      await aws.route('**/ui/', async (route) => {
        const page = await (await fetch(`${product.runtime.url}/ui/`)).text();
        await route.fulfill({
          contentType: 'text/html',
          body: page.replace('</head>', `<meta name="sign-in-url" content="${signInUrl.replaceAll('&', '&amp;')}"></head>`),
        });
      });
      return aws;
    }

    it('offers Sign out, and Sign in again once the session and its refresh are refused', async () => {
      const aws = await awsPage();
      // As API Gateway answers when the session authorizer and the refresh authorizer refuse.
      await aws.route('**/ui/api/v1/**', (route) => route.fulfill({ status: 403, contentType: 'application/json', body: '{"message":"Forbidden"}' }));
      await aws.route('**/ui/refresh', (route) => route.fulfill({ status: 401, contentType: 'application/json', body: '{"message":"Unauthorized"}' }));
      await aws.goto(`${product.runtime.url}/ui/`);
      await expect.poll(() => aws.getByRole('link', { name: 'Sign out' }).getAttribute('href'), POLL).toBe('/ui/signout');
      const again = aws.getByRole('alert').getByRole('link', { name: 'Sign in again' });
      await again.waitFor();
      expect(await again.getAttribute('href')).toBe(signInUrl);
      await aws.screenshot({ path: join(ARTIFACTS, 'ui-10-session-ended.png'), fullPage: true });
    });

    it('renews an ended session from the refresh cookie once, and carries on without a word', async () => {
      const aws = await awsPage();
      let renewed = false;
      let refreshCalls = 0;
      await aws.route('**/ui/refresh', (route) => {
        refreshCalls++;
        renewed = true;
        return route.fulfill({ status: 200, contentType: 'application/json', body: '{"username":"ada","expiresAt":"2026-11-25T00:00:00Z"}' });
      });
      // Refused until the session is renewed, then the real API answers.
      await aws.route('**/ui/api/v1/**', (route) =>
        renewed ? route.continue() : route.fulfill({ status: 403, contentType: 'application/json', body: '{"message":"Forbidden"}' }),
      );
      await aws.goto(`${product.runtime.url}/ui/`);
      await aws.getByRole('link', { name: 'scheduled_flow' }).waitFor();
      expect(await aws.getByRole('alert').count()).toBe(0);
      expect(refreshCalls).toBe(1);
    });
  });

  it("shows the running backfill's timeline: a cell per tick coloured by state, hover says the tick, a click opens its execution", async () => {
    // After the Triggers page's test, whose "select all" would take this trigger too.
    // Six hourly ticks a day ago; the last waits for a gate file, so the backfill stays running while the test looks.
    const gateDir = mkdtempSync(join(tmpdir(), 'ui-timeline-'));
    const gate = join(gateDir, 'open');
    const t0 = Math.floor((Date.now() - 24 * 3600_000) / 3600_000) * 3600_000;
    const tickIso = (i: number) => new Date(t0 + i * 3600_000).toISOString().replace('.000Z', 'Z');
    const flow = `id: gated
namespace: dev.ui
tasks:
  - id: work
    type: io.kestra.plugin.scripts.shell.Commands
    runner: PROCESS
    timeout: PT60S
    commands:
      - 'if [ "{{ trigger.date }}" = "${tickIso(5)}" ]; then while [ ! -f "${gate}" ]; do sleep 0.05; done; fi'
triggers:
  - id: hourly
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "0 * * * *"
`;
    onTestFinished(() => {
      writeFileSync(gate, '');
      rmSync(gateDir, { recursive: true, force: true });
    });
    expect((await product.api.createFlow(flow)).status).toBe(200);
    const created = await product.api.call('PUT', '/api/v1/main/triggers/backfill/create', {
      namespace: 'dev.ui',
      flowId: 'gated',
      triggerId: 'hourly',
      backfill: { start: tickIso(0), end: tickIso(5) },
    });
    expect(created.status).toBe(200);

    await page.goto(`${product.runtime.url}/ui#/flows/dev.ui/gated/triggers`);
    const row = page.locator('tr[data-trigger="hourly"]');
    const strip = row.getByRole('list', { name: 'Backfill timeline' });
    const cells = strip.getByRole('listitem');
    await expect.poll(() => cells.count(), POLL).toBe(6);
    // The first ticks succeed; the gated one runs: the strip follows the trigger's poll.
    await expect.poll(() => cells.nth(0).getAttribute('data-state'), POLL).toBe('succeeded');
    await expect.poll(() => cells.nth(5).getAttribute('data-state'), POLL).toBe('running');
    expect(await row.locator('.timeline-legend li').allTextContents()).toEqual(['succeeded', 'failed', 'killed', 'skipped', 'running', 'queued', 'pending']);

    // Hover says the tick and its state.
    await cells.nth(0).hover();
    const tooltip = row.locator('.timeline-tooltip');
    await expect.poll(() => tooltip.textContent(), POLL).toBe(`Tick ${tickIso(0).replace('T', ' ').replace('Z', '')} UTC: succeeded`);
    await cells.nth(5).hover();
    await expect.poll(() => tooltip.textContent(), POLL).toBe(`Tick ${tickIso(5).replace('T', ' ').replace('Z', '')} UTC: running`);
    await shot('14-timeline');

    // A cell links to its tick's execution.
    const executionId = await cells.nth(0).getAttribute('data-execution-id');
    expect(executionId).toBeTruthy();
    await cells.nth(0).click();
    await page.getByRole('heading', { name: 'Logs' }).waitFor();
    expect(page.url()).toContain(`#/executions/${executionId}`);
    await page
      .getByText(executionId as string)
      .first()
      .waitFor();
    await page.locator('.badge.state-success').first().waitFor();
    await shot('15-timeline-execution');

    // Opening the gate ends the backfill: the strip goes with it.
    writeFileSync(gate, '');
    await page.goto(`${product.runtime.url}/ui#/flows/dev.ui/gated/triggers`);
    await row.locator('.last-backfill[data-outcome="COMPLETED"]').waitFor();
    expect(await strip.count()).toBe(0);
  });

  it('sets concurrency, order, a failure policy and a webhook in the dialog, edits the concurrency in place, and confirms Delete and Cancel', async () => {
    // A webhook receiver on this machine (plain http to it is accepted on the local default).
    const received: { type: string; backfill: { outcome?: string } }[] = [];
    const receiver = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk) => {
        body += chunk;
      });
      request.on('end', () => {
        received.push(JSON.parse(body));
        response.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    onTestFinished(() => new Promise<void>((resolve) => receiver.close(() => resolve())));
    const origin = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
    // Six hourly ticks a day ago, each held by a gate file, so its executions stay in flight while the test looks.
    await createGatedHourlyFlow('controls');
    const backfillOf = async () => (await product.api.call('GET', '/api/v1/main/triggers/dev.ui/controls')).body.results[0].backfill;

    await page.goto(`${product.runtime.url}/ui#/flows/dev.ui/controls/triggers`);
    const row = page.locator('tr[data-trigger="hourly"]');
    await row.getByRole('button', { name: 'Backfill executions' }).click();
    const dialog = page.getByRole('dialog', { name: 'Backfill executions' });
    const [start, end] = await page.evaluate(() => {
      const t0 = Math.floor((Date.now() - 24 * 3600_000) / 3600_000) * 3600_000;
      const pad = (n: number) => String(n).padStart(2, '0');
      const local = (d: Date) => `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
      return [local(new Date(t0)), local(new Date(t0 + 5 * 3600_000))];
    });
    await dialog.getByLabel('Start').fill(start);
    await dialog.getByLabel('End', { exact: true }).fill(end);
    await dialog
      .getByRole('status')
      .getByText(/^Will create 6 executions/)
      .waitFor();

    // The service's limit (BACKFILL_MAX_IN_FLIGHT 4 here) is named at the field once the dry run answered;
    // a concurrency over it: the dry run's 400 names it at the field.
    await dialog.getByText(/Empty: the service's limit, 4\.$/).waitFor();
    const concurrency = dialog.getByLabel('Concurrency');
    await concurrency.fill('9');
    await dialog.locator('#bf-max-concurrency-error').getByText('expected an integer from 1 to 4').waitFor();
    expect(await concurrency.getAttribute('aria-invalid')).toBe('true');
    await shot('16a-controls-concurrency-error');
    await concurrency.fill('2');
    await dialog.getByLabel('Order').selectOption('NEWEST_FIRST');
    await dialog
      .getByRole('status')
      .getByText(/, newest first\.$/)
      .waitFor();
    // A failure policy: both thresholds, the lower applies (1 < 50% of 6 ticks), as the dry run's `tolerated` says.
    await dialog.getByLabel('Failure policy').selectOption('PAUSE');
    await dialog.locator('#bf-failure-action-error').getByText('Give a number of failures, a percentage or both').waitFor();
    await dialog.getByLabel('Max failures').fill('1');
    await dialog.getByLabel('Max failure %').fill('50');
    await dialog.locator('.tolerated[data-tolerated="1"]').getByText('Pauses after more than 1 execution FAIL.').waitFor();
    await dialog.getByLabel('Webhook URL').fill(`${origin}/hooks/T0/secret-token`);
    await dialog.getByText('Only its origin (https://host/…) is shown back').waitFor();
    // The revision pin: off by default, saying which revision it pins.
    const latest = dialog.getByLabel("Run the flow's latest revision");
    expect(await latest.isChecked()).toBe(false);
    const pinned = await dialog.locator('#bf-latest-revision-hint').getAttribute('data-flow-revision');
    expect(pinned).toMatch(/^\d+$/);
    await dialog
      .locator('#bf-latest-revision-hint')
      .getByText(`Off: the backfill pins revision ${pinned}, so edits made meanwhile change nothing it runs.`)
      .waitFor();
    await shot('16-controls-dialog');
    await dialog.getByRole('button', { name: 'Execute backfill' }).click();
    await dialog.waitFor({ state: 'hidden' });

    // The created backfill has them all (the webhook shown back as its origin only).
    const created = await backfillOf();
    expect(created).toMatchObject({
      maxConcurrency: 2,
      order: 'NEWEST_FIRST',
      failurePolicy: { maxFailures: 1, maxFailurePercent: 50, action: 'PAUSE' },
      notify: { webhook: `${origin}/…` },
      latestRevision: false,
      flowRevision: Number(pinned),
    });

    // Concurrency in place, in the Details drawer: a value over the limit is refused at the field, 3 is taken.
    const inFlightNow = async () => {
      const { progress } = await backfillOf();
      return progress.running + progress.queued;
    };
    await expect.poll(inFlightNow, POLL).toBe(2);
    await row.getByRole('button', { name: 'Details' }).click();
    const drawer = page.getByRole('dialog', { name: 'Backfill details' });
    const current = drawer.locator('.concurrency-current');
    expect(await current.getAttribute('data-max-concurrency')).toBe('2');
    await drawer.getByText('Pause after more than 1 FAILED, or 50% of the ticks (the lower)').waitFor();
    await drawer.getByText(`${origin}/…`).waitFor();
    const newConcurrency = drawer.getByLabel('New concurrency');
    await newConcurrency.fill('9');
    await drawer.getByRole('button', { name: 'Save' }).click();
    await drawer.getByRole('alert').getByText('expected an integer from 1 to 4').waitFor();
    expect((await backfillOf()).maxConcurrency).toBe(2);
    await newConcurrency.fill('3');
    await drawer.getByRole('button', { name: 'Save' }).click();
    await expect.poll(async () => (await backfillOf()).maxConcurrency, POLL).toBe(3);
    await expect.poll(() => current.getAttribute('data-max-concurrency'), POLL).toBe('3');
    // Dispatch applies it: a third execution goes out.
    await expect.poll(async () => (await backfillOf()).progress.dispatched, POLL).toBe(3);
    await drawer.locator('.kv li', { hasText: /^dispatched: 3$/ }).waitFor(); // and the drawer shows it after its next poll
    await shot('17-controls-concurrency-edited');
    await page.keyboard.press('Escape');
    await drawer.waitFor({ state: 'hidden' });

    // Delete's confirmation says what it does with the numbers of `progress`; Keep leaves the backfill be.
    await row.getByRole('button', { name: 'Delete', exact: true }).click();
    const confirmDelete = page.getByRole('dialog', { name: 'Delete backfill?' });
    await confirmDelete
      .getByText("Delete stops dispatching new executions; the 3 already queued or running go on (Kestra's delete). The 3 ticks not dispatched yet never run.")
      .waitFor();
    const inFlight = await backfillOf();
    expect(inFlight.progress.running + inFlight.progress.queued).toBe(3);
    expect(inFlight.progress.total - inFlight.progress.dispatched).toBe(3);
    await shot('18-controls-delete-confirmation');
    await confirmDelete.getByRole('button', { name: 'Keep backfill' }).click();
    await confirmDelete.waitFor({ state: 'hidden' });
    expect((await backfillOf()).id).toBe(created.id);

    // Cancel, beside Delete: its confirmation says it kills them; confirmed, the backfill leaves the trigger CANCELLED.
    await row.getByRole('button', { name: 'Cancel', exact: true }).click();
    const confirmCancel = page.getByRole('dialog', { name: 'Cancel backfill?' });
    await confirmCancel
      .getByText('Cancel kills the 3 running and queued executions (state KILLED) and dispatches no more. The 3 ticks not dispatched yet never run.')
      .waitFor();
    await shot('19-controls-cancel-confirmation');
    await confirmCancel.getByRole('button', { name: 'Cancel backfill' }).click();
    await row.locator('.last-backfill[data-outcome="CANCELLED"]').getByText('Last backfill CANCELLED').waitFor();
    const last = (await product.api.call('GET', '/api/v1/main/triggers/dev.ui/controls')).body.results[0].lastBackfill;
    expect(last).toMatchObject({ id: created.id, outcome: 'CANCELLED', counts: { total: 6, dispatched: 3, killed: 3, succeeded: 0 } });
    expect(await backfillOf()).toBeUndefined();
    await expect.poll(() => received.map((event) => event.backfill.outcome), POLL).toContain('CANCELLED');
    await shot('20-controls-cancelled');
  });

  it('runs two backfills on disjoint windows of one trigger, lists both in the Triggers tab, and pauses one of them alone', async () => {
    // Two windows of three hourly ticks a day ago, four hours apart; each execution waits for a gate
    // file, so both backfills stay active while the test looks.
    await createGatedHourlyFlow('two_windows');
    const ref = { namespace: 'dev.ui', flowId: 'two_windows', triggerId: 'hourly' };
    const t0 = Math.floor((Date.now() - 24 * 3600_000) / 3600_000) * 3600_000;
    const tick = (i: number) => new Date(t0 + i * 3600_000).toISOString();
    const early = { start: tick(0), end: tick(2) };
    const late = { start: tick(6), end: tick(8) };
    // The later window first: the row lists them earliest window first, whatever order they were created in.
    for (const window of [late, early]) {
      const created = await product.api.call('PUT', '/api/v1/main/triggers/backfill/create', { ...ref, backfill: window });
      expect(created.status, JSON.stringify(created.body)).toBe(200);
    }
    const stateOf = async () => (await product.api.call('GET', '/api/v1/main/triggers/dev.ui/two_windows')).body.results[0];
    const active: { id: string; start: string; paused: boolean }[] = (await stateOf()).backfills;
    expect(active.map((b) => new Date(b.start).toISOString())).toEqual([early.start, late.start]);
    const [earlyId, lateId] = active.map((b) => b.id);

    await page.goto(`${product.runtime.url}/ui#/flows/dev.ui/two_windows/triggers`);
    const row = page.locator('tr[data-trigger="hourly"]');
    const blocks = row.locator('.backfill-block');
    await expect.poll(() => blocks.count(), POLL).toBe(2);
    expect(await blocks.evaluateAll((elements) => elements.map((e) => e.getAttribute('data-backfill-id')))).toEqual([earlyId, lateId]);
    const earlyBlock = row.locator(`.backfill-block[data-backfill-id="${earlyId}"]`);
    const lateBlock = row.locator(`.backfill-block[data-backfill-id="${lateId}"]`);
    // Each with its window, progress, timeline and controls; the cursor column has a line for each.
    for (const [block, window] of [
      [earlyBlock, early],
      [lateBlock, late],
    ] as const) {
      expect(await block.locator('.backfill-window time').evaluateAll((times) => times.map((t) => t.getAttribute('datetime')))).toEqual([
        window.start,
        window.end,
      ]);
      await block.getByText('Running', { exact: true }).waitFor();
      expect(await block.locator('.progress-text').getAttribute('data-total')).toBe('3');
      await expect.poll(() => block.getByRole('list', { name: 'Backfill timeline' }).getByRole('listitem').count(), POLL).toBe(3);
      for (const control of ['Pause', 'Cancel', 'Delete', 'Details']) await block.getByRole('button', { name: control, exact: true }).waitFor();
    }
    await expect.poll(() => row.locator('td.backfill-at li').count(), POLL).toBe(2);
    // Another window can still be backfilled: the dialog names the backfill a window overlaps, and says when one runs beside them.
    await row.getByRole('button', { name: 'Backfill executions' }).click();
    const dialog = page.getByRole('dialog', { name: 'Backfill executions' });
    // The dialog renders after the click: polled, not read once.
    await expect.poll(() => dialog.locator('#bf-active-windows li').count(), POLL).toBe(2);
    const local = (ms: number) =>
      page.evaluate((at) => {
        const d = new Date(at);
        const pad = (n: number) => String(n).padStart(2, '0');
        return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
      }, ms);
    await dialog.getByLabel('Start').fill(await local(t0 + 3600_000));
    await dialog.getByLabel('End', { exact: true }).fill(await local(t0 + 4 * 3600_000));
    await dialog
      .locator(`.preview-conflict[data-conflicts-with="${earlyId}"]`)
      .getByText(/^This window overlaps backfill /)
      .waitFor();
    await dialog.getByLabel('Start').fill(await local(t0 + 3 * 3600_000));
    await dialog.locator('.preview-beside[data-active="2"]').getByText("Runs beside the trigger's 2 active backfills").waitFor();
    expect(await dialog.locator('.preview-conflict').count()).toBe(0);
    await shot('21-two-backfills-dialog');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });

    // Pause the later one from its own block: the request names it, and only it is paused.
    const pauseSent = page.waitForRequest((r) => r.url().endsWith('/ui/api/v1/main/triggers/backfill/pause'));
    await lateBlock.getByRole('button', { name: 'Pause', exact: true }).click();
    expect((await pauseSent).postDataJSON()).toEqual({ ...ref, backfillId: lateId });
    await lateBlock.getByRole('button', { name: 'Resume', exact: true }).waitFor();
    await lateBlock.getByText('Paused', { exact: true }).waitFor();
    const after: { id: string; paused: boolean }[] = (await stateOf()).backfills;
    expect(after.map(({ id, paused }) => ({ id, paused }))).toEqual([
      { id: earlyId, paused: false },
      { id: lateId, paused: true },
    ]);
    await earlyBlock.getByRole('button', { name: 'Pause', exact: true }).waitFor();
    expect(await earlyBlock.getByRole('button', { name: 'Resume', exact: true }).count()).toBe(0);
    await shot('21-two-backfills');

    // The Triggers page counts them on the trigger's one row.
    await page.goto(`${product.runtime.url}/ui#/triggers?namespace=dev.ui`);
    const summary = page.locator('tr[data-trigger="dev.ui/two_windows/hourly"] .backfill-summary[data-backfills="2"]');
    await summary.getByText('2 backfills: 1 running, 1 paused').waitFor();
    await shot('22-two-backfills-triggers-page');

    // Without a backfill id, delete stops every active backfill of the trigger.
    expect((await product.api.call('POST', '/api/v1/triggers/backfill/delete', ref)).status).toBe(200);
    expect((await stateOf()).backfills).toBeUndefined();
  });

  it('calls Kestra 2.x routes, and 1.x ones only where 2.x has none (flows, the dry run)', async () => {
    const oneX = [...called].filter((call) => !/^\w+ \/ui\/api\/v1\/main\//.test(call));
    const flowsOrDryRun = /^GET \/ui\/api\/v1\/flows\/|^POST \/ui\/api\/v1\/triggers\/backfill\/preview$/;
    expect(oneX.filter((call) => !flowsOrDryRun.test(call))).toEqual([]);
    expect(oneX).toContain('POST /ui/api/v1/triggers/backfill/preview');
    for (const route of [
      'PUT /ui/api/v1/main/triggers/backfill/create',
      'PUT /ui/api/v1/main/triggers/backfill/pause',
      'PUT /ui/api/v1/main/triggers/set-disabled',
      'GET /ui/api/v1/main/triggers/search',
      'GET /ui/api/v1/main/triggers/dev.ui/every_minute',
      'GET /ui/api/v1/main/executions/search',
      'GET /ui/api/v1/main/logs/search',
      'GET /ui/api/v1/main/triggers/dev.ui/gated/hourly/backfill/timeline',
      'POST /ui/api/v1/main/triggers/set-disabled/by-triggers',
      'POST /ui/api/v1/main/triggers/backfill/delete',
      'POST /ui/api/v1/main/triggers/backfill/cancel',
      'PUT /ui/api/v1/main/triggers/backfill/update',
    ]) {
      expect(called, route).toContain(route);
    }
    expect([...called].some((call) => call.startsWith('GET /ui/api/v1/main/operations/'))).toBe(true);
  });

  it('opens the UI at /, with its favicon', async () => {
    const errors: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    await page.goto(`${product.runtime.url}/`);
    await page.getByRole('heading', { name: 'Flows' }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/ui/');
    const icon = await page.locator('link[rel="icon"]').getAttribute('href');
    expect(icon).toMatch(/^data:image\/svg\+xml,/);
    // It decodes as an image under the page's own CSP (img-src allows data:), at the size a tab shows.
    const size = await page.evaluate(
      (href) =>
        new Promise<number[]>((resolve, reject) => {
          const image = new Image();
          image.onload = () => resolve([image.naturalWidth, image.naturalHeight]);
          image.onerror = () => reject(new Error('the favicon does not load'));
          image.src = href;
        }),
      icon as string,
    );
    expect(size).toEqual([32, 32]);
    expect(errors).toEqual([]);
    await shot('12-root');
  });

  it('serves index.html for /ui client routes and the assets with their types', async () => {
    const index = await fetch(`${product.runtime.url}/ui/`);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toContain('text/html');
    const js = await fetch(`${product.runtime.url}/ui/app.js`);
    expect(js.headers.get('content-type')).toContain('javascript');
    const deep = await fetch(`${product.runtime.url}/ui/flows/dev/scheduled_flow`);
    expect(await deep.text()).toContain('<div id="app">');
    expect((await fetch(`${product.runtime.url}/ui`, { method: 'POST' })).status).toBe(405);
  });
});
