import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../lib/domain/flow/errors';
import { SCHEDULE_TYPE, SCHEDULE_TYPE_ALIAS, isSchedule } from '../../../lib/domain/flow/model';
import { parseFlow } from '../../../lib/domain/flow/parse';
import { SEED_FLOW } from '../../support/flows';
import { expectValidationError } from './helpers';

const SHELL = 'io.kestra.plugin.scripts.shell.Commands';
const LOG = 'io.kestra.plugin.core.log.Log';

/** A minimal valid flow with `extra` appended at the top level. */
function flowWith(extra: string, tasks = `tasks:\n  - id: hello\n    type: ${LOG}\n    message: hi\n`): string {
  return `id: f\nnamespace: dev\n${tasks}${extra}`;
}

/** A flow with one Schedule trigger whose body lines (4-space indented) are `lines`. */
function triggerFlow(lines: string, inputs = ''): string {
  return flowWith(`${inputs}triggers:\n  - id: sched\n    type: ${SCHEDULE_TYPE}\n${lines}`);
}

describe('parseFlow: the seed flow', () => {
  const flow = parseFlow(SEED_FLOW);

  it('parses with every default filled in', () => {
    expect(flow).toEqual({
      id: 'scheduled_flow',
      namespace: 'dev',
      revision: 1,
      disabled: false,
      inputs: [],
      labels: [],
      source: SEED_FLOW,
      tasks: [
        {
          id: 'external_system_export',
          type: SHELL,
          runner: 'PROCESS',
          commands: ['echo "processing data for {{ execution.startDate ?? trigger.date }}"', 'sleep $((RANDOM % 5 + 1))'],
          beforeCommands: [],
          env: {},
        },
      ],
      triggers: [
        {
          id: 'schedule',
          type: SCHEDULE_TYPE_ALIAS,
          cron: '*/30 * * * *',
          withSeconds: false,
          timezone: 'UTC',
          inputs: {},
          labels: [],
          disabled: false,
        },
      ],
    });
  });

  it('keeps the alias type, which isSchedule recognises', () => {
    const [trigger] = flow.triggers;
    expect(trigger?.type).toBe(SCHEDULE_TYPE_ALIAS);
    expect(trigger && isSchedule(trigger)).toBe(true);
  });

  it('takes the revision from the options', () => {
    expect(parseFlow(SEED_FLOW, { revision: 7 }).revision).toBe(7);
  });
});

describe('parseFlow: a full flow', () => {
  const source = `id: nightly.export-v2
namespace: company.team_a
description: Nightly export
disabled: false
revision: 12
variables:
  bucket: b
labels:
  team: data
  tier: 1
inputs:
  - id: region
    type: STRING
    defaults: eu
  - name: batch
    type: INT
    required: false
    defaults: "25"
    description: rows per batch
    displayName: Batch
  - id: since
    type: DATETIME
    defaults: 2024-03-28T08:30:00+02:00
  - id: cfg
    type: JSON
    defaults: '{"a": 1}'
tasks:
  - id: run
    type: ${SHELL}
    taskRunner:
      type: io.kestra.plugin.core.runner.Process
    beforeCommands: set -u
    commands: echo {{ inputs.region }}
    env:
      REGION: eu
      RETRIES: 3
      VERBOSE: true
    timeout: PT1H30M
    interpreter: ["/bin/bash", "-c"]
    warningOnStdErr: false
    failFast: true
    description: does things
  - id: log
    type: ${LOG}
    message:
      - one
      - two
    level: WARN
triggers:
  - id: every_minute
    type: ${SCHEDULE_TYPE}
    cron: "0 */5 * * * *"
    withSeconds: true
    timezone: Europe/Paris
    inputs:
      batch: "5"
      region: "{{ trigger.date | date('yyyy') }}"
    labels:
      - key: source
        value: schedule
    disabled: true
    recoverMissedSchedules: LAST
    lateMaximumDelay: PT10M
    stopAfter: [FAILED, KILLED]
    conditions: []
    backfill: null
`;
  const flow = parseFlow(source, { revision: 3 });

  it('normalises every section', () => {
    expect(flow.id).toBe('nightly.export-v2');
    expect(flow.namespace).toBe('company.team_a');
    expect(flow.description).toBe('Nightly export');
    expect(flow.revision).toBe(3);
    expect(flow.labels).toEqual([
      { key: 'team', value: 'data' },
      { key: 'tier', value: '1' },
    ]);
    expect(flow.inputs).toEqual([
      { id: 'region', type: 'STRING', required: true, defaults: 'eu' },
      { id: 'batch', type: 'INT', required: false, defaults: 25, description: 'rows per batch' },
      { id: 'since', type: 'DATETIME', required: true, defaults: '2024-03-28T06:30:00Z' },
      { id: 'cfg', type: 'JSON', required: true, defaults: { a: 1 } },
    ]);
    expect(flow.tasks).toEqual([
      {
        id: 'run',
        type: SHELL,
        runner: 'PROCESS',
        commands: ['echo {{ inputs.region }}'],
        beforeCommands: ['set -u'],
        env: { REGION: 'eu', RETRIES: '3', VERBOSE: 'true' },
        timeout: 'PT1H30M',
        timeoutMs: 90 * 60_000,
      },
      { id: 'log', type: LOG, message: ['one', 'two'], level: 'WARN' },
    ]);
    expect(flow.triggers).toEqual([
      {
        id: 'every_minute',
        type: SCHEDULE_TYPE,
        cron: '0 */5 * * * *',
        withSeconds: true,
        timezone: 'Europe/Paris',
        inputs: { batch: 5, region: "{{ trigger.date | date('yyyy') }}" },
        labels: [{ key: 'source', value: 'schedule' }],
        disabled: true,
        recoverMissedSchedules: 'LAST',
        lateMaximumDelay: 'PT10M',
        stopAfter: ['FAILED', 'KILLED'],
      },
    ]);
  });

  it('defaults a Log level to INFO and accepts a single message string', () => {
    expect(parseFlow(flowWith('')).tasks[0]).toEqual({ id: 'hello', type: LOG, message: 'hi', level: 'INFO' });
  });

  it('accepts empty unsupported sections, which change nothing', () => {
    expect(() => parseFlow(flowWith('errors: []\nfinally: []\npluginDefaults: []\nconcurrency: null\n'))).not.toThrow();
  });
});

describe('parseFlow: YAML syntax', () => {
  it('reports YAML errors at path "yaml" with line and column', () => {
    const error = expectValidationError(() => parseFlow('id: f\nnamespace: dev\ntasks:\n  - id: a\n   type: b\n'), 'yaml', 'invalid YAML');
    expect(error.line).toBe(5);
    expect(error.column).toBeGreaterThan(0);
    expect(error.message).toContain('(line 5, column');
  });

  it('reports an unquoted cron as a YAML error', () => {
    expectValidationError(() => parseFlow(triggerFlow('    cron: */30 * * * *\n')), 'yaml', 'invalid YAML');
  });

  it('rejects duplicate YAML keys', () => {
    expectValidationError(() => parseFlow('id: a\nid: b\n'), 'yaml', 'unique');
  });

  it('rejects an empty document or a non-mapping', () => {
    expectValidationError(() => parseFlow(''), 'yaml', 'expected a YAML mapping with at least id, namespace and tasks', 'empty document');
    expectValidationError(() => parseFlow('- a\n- b\n'), 'yaml', 'expected a YAML mapping', 'a list');
  });
});

describe('parseFlow: required fields and ids', () => {
  it('requires id, namespace and tasks', () => {
    expectValidationError(() => parseFlow(`namespace: dev\ntasks:\n  - id: a\n    type: ${LOG}\n    message: m\n`), 'id', 'required', 'flow id');
    expectValidationError(() => parseFlow(`id: f\ntasks:\n  - id: a\n    type: ${LOG}\n    message: m\n`), 'namespace', 'required', 'namespace');
    expectValidationError(() => parseFlow('id: f\nnamespace: dev\n'), 'tasks', 'required', 'non-empty list of tasks');
    expectValidationError(() => parseFlow('id: f\nnamespace: dev\ntasks: []\n'), 'tasks', 'non-empty list of tasks', 'empty list');
    expectValidationError(() => parseFlow('id: f\nnamespace: dev\ntasks: echo\n'), 'tasks', 'non-empty list of tasks');
  });

  it('checks Kestra id patterns', () => {
    expectValidationError(
      () => parseFlow(flowWith('').replace('id: f', 'id: -bad')),
      'id',
      'invalid flow id "-bad"',
      'expected to match ^[a-zA-Z0-9][a-zA-Z0-9._-]*$',
    );
    expectValidationError(() => parseFlow(flowWith('').replace('id: f', `id: ${'a'.repeat(101)}`)), 'id', 'expected at most 100');
    expectValidationError(
      () => parseFlow(flowWith('').replace('namespace: dev', 'namespace: Dev')),
      'namespace',
      'invalid namespace "Dev"',
      '^[a-z0-9][a-z0-9._-]*$',
    );
    expectValidationError(
      () => parseFlow(flowWith('', `tasks:\n  - id: a.b\n    type: ${LOG}\n    message: m\n`)),
      'tasks[0].id',
      'invalid task id "a.b"',
      '^[a-zA-Z0-9][a-zA-Z0-9_-]*$',
    );
    expectValidationError(
      () => parseFlow(flowWith(`triggers:\n  - id: "my trigger"\n    type: ${SCHEDULE_TYPE}\n    cron: "@daily"\n`)),
      'triggers[0].id',
      'invalid trigger id',
    );
    expectValidationError(() => parseFlow(flowWith('inputs:\n  - id: _x\n    type: STRING\n')), 'inputs[0].id', 'invalid input id "_x"');
    expectValidationError(() => parseFlow('id: 42\nnamespace: dev\n'), 'id', 'non-empty string', 'the number 42');
  });

  it('rejects duplicate ids across tasks and triggers, at the second one', () => {
    const tasks = `tasks:\n  - id: a\n    type: ${LOG}\n    message: m\n  - id: b\n    type: ${LOG}\n    message: m\n  - id: a\n    type: ${LOG}\n    message: m\n`;
    expectValidationError(() => parseFlow(flowWith('', tasks)), 'tasks[2].id', 'duplicate id "a"', 'tasks[0]', 'unique across tasks and triggers');
    expectValidationError(
      () => parseFlow(flowWith(`triggers:\n  - id: hello\n    type: ${SCHEDULE_TYPE}\n    cron: "@daily"\n`)),
      'triggers[0].id',
      'duplicate id "hello"',
      'tasks[0]',
    );
  });
});

describe('parseFlow: unknown and unsupported keys', () => {
  it('rejects unknown top-level keys, naming them', () => {
    expectValidationError(() => parseFlow(flowWith('triger: []\n')), 'triger', 'unknown key "triger"', 'expected one of', 'triggers');
  });

  it.each(['errors', 'finally', 'afterExecution', 'pluginDefaults', 'retry', 'sla', 'checks', 'outputs', 'workerGroup'])(
    'rejects a non-empty "%s" section as not supported yet',
    (key) => {
      expectValidationError(() => parseFlow(flowWith(`${key}:\n  - something: 1\n`)), key, 'not supported by this service yet', `remove "${key}"`);
    },
  );

  it('rejects concurrency limits', () => {
    expectValidationError(() => parseFlow(flowWith('concurrency:\n  limit: 1\n')), 'concurrency', 'concurrency limits', 'not supported by this service yet');
  });

  it('rejects deleted: true and non-map variables', () => {
    expectValidationError(() => parseFlow(flowWith('deleted: true\n')), 'deleted', 'expected false');
    expectValidationError(() => parseFlow(flowWith('variables: [a]\n')), 'variables', 'expected a map');
  });

  it('attaches the line and column of the offending key', () => {
    const error = expectValidationError(() => parseFlow(flowWith('description: ok\nbogus: 1\n')), 'bogus', 'unknown key');
    expect(error.line).toBe(8);
    expect(error.column).toBe(1);
    expect(error.message).toMatch(/\(line 8, column 1\)$/);
  });
});

describe('parseFlow: tasks', () => {
  const shell = (lines: string) => flowWith('', `tasks:\n  - id: t\n    type: ${SHELL}\n${lines}`);

  it('rejects unknown task types, listing the supported ones', () => {
    const error = expectValidationError(
      () => parseFlow(flowWith('', 'tasks:\n  - id: a\n    type: io.kestra.plugin.core.log.Log\n    message: m\n  - id: b\n    type: io.kestra.foo.Bar\n')),
      'tasks[1].type',
      'unknown task type "io.kestra.foo.Bar"; supported: io.kestra.plugin.scripts.shell.Commands, io.kestra.plugin.core.log.Log',
    );
    expect(error.line).toBe(8);
    expectValidationError(() => parseFlow(flowWith('', 'tasks:\n  - id: a\n')), 'tasks[0].type', 'required', SHELL);
    expectValidationError(() => parseFlow(flowWith('', 'tasks:\n  - echo hi\n')), 'tasks[0]', 'expected a task');
  });

  it('requires commands, non-empty and made of strings', () => {
    expectValidationError(() => parseFlow(shell('    runner: PROCESS\n')), 'tasks[0].commands', 'required', 'non-empty list of strings');
    expectValidationError(() => parseFlow(shell('    commands: []\n')), 'tasks[0].commands', 'non-empty list of strings');
    expectValidationError(() => parseFlow(shell('    commands:\n      - echo a\n      - echo b: c\n')), 'tasks[0].commands[1]', 'expected a string', 'a map');
  });

  it('only runs PROCESS: rejects other runners, Docker settings and other task runners', () => {
    expectValidationError(() => parseFlow(shell('    runner: DOCKER\n    commands: [ls]\n')), 'tasks[0].runner', 'expected "PROCESS"', 'no Docker runner');
    expectValidationError(() => parseFlow(shell('    containerImage: ubuntu\n    commands: [ls]\n')), 'tasks[0].containerImage', 'Docker runner');
    expectValidationError(() => parseFlow(shell('    docker:\n      image: ubuntu\n    commands: [ls]\n')), 'tasks[0].docker', 'Docker runner');
    expectValidationError(
      () => parseFlow(shell('    taskRunner:\n      type: io.kestra.plugin.scripts.runner.docker.Docker\n    commands: [ls]\n')),
      'tasks[0].taskRunner.type',
      'expected "io.kestra.plugin.core.runner.Process"',
    );
  });

  it('validates env, timeout and interpreter', () => {
    expectValidationError(() => parseFlow(shell('    commands: [ls]\n    env:\n      A: [1]\n')), 'tasks[0].env.A', 'expected a string, number or boolean');
    expectValidationError(() => parseFlow(shell('    commands: [ls]\n    timeout: 5 minutes\n')), 'tasks[0].timeout', 'invalid duration "5 minutes"', 'PT5M');
    expectValidationError(() => parseFlow(shell('    commands: [ls]\n    timeout: P1M\n')), 'tasks[0].timeout', 'months', 'PT5M');
    expectValidationError(() => parseFlow(shell('    commands: [ls]\n    timeout: PT0S\n')), 'tasks[0].timeout', 'positive duration');
    expectValidationError(
      () => parseFlow(shell('    commands: [ls]\n    interpreter: [python, -c]\n')),
      'tasks[0].interpreter',
      'expected ["/bin/sh","-c"] or ["/bin/bash","-c"]',
    );
  });

  it('rejects unknown and unsupported task keys', () => {
    expectValidationError(
      () => parseFlow(shell('    commands: [ls]\n    comands: [ls]\n')),
      'tasks[0].comands',
      'unknown key "comands"',
      'commands, beforeCommands',
    );
    expectValidationError(
      () => parseFlow(shell('    commands: [ls]\n    retry:\n      type: constant\n')),
      'tasks[0].retry',
      'task retries',
      'not supported by this service yet',
    );
    expectValidationError(() => parseFlow(shell('    commands: [ls]\n    disabled: true\n')), 'tasks[0].disabled', 'disabled tasks are not supported');
  });

  it('validates Log tasks', () => {
    expectValidationError(() => parseFlow(flowWith('', `tasks:\n  - id: l\n    type: ${LOG}\n`)), 'tasks[0].message', 'required', 'message string');
    expectValidationError(
      () => parseFlow(flowWith('', `tasks:\n  - id: l\n    type: ${LOG}\n    message: m\n    level: LOUD\n`)),
      'tasks[0].level',
      'expected one of TRACE, DEBUG, INFO, WARN, ERROR',
    );
  });
});

describe('parseFlow: triggers', () => {
  it('rejects unknown trigger types, listing the supported ones', () => {
    expectValidationError(
      () => parseFlow(flowWith('triggers:\n  - id: hook\n    type: io.kestra.plugin.core.trigger.Webhook\n    key: abc\n')),
      'triggers[0].type',
      'unknown trigger type "io.kestra.plugin.core.trigger.Webhook"',
      `supported: ${SCHEDULE_TYPE}, ${SCHEDULE_TYPE_ALIAS}`,
    );
  });

  it('requires cron', () => {
    expectValidationError(() => parseFlow(triggerFlow('    timezone: UTC\n')), 'triggers[0].cron', 'required', 'cron expression');
  });

  it("rejects a bad cron and a 4-field cron with the schedule module's message", () => {
    expectValidationError(() => parseFlow(triggerFlow('    cron: "61 * * * *"\n')), 'triggers[0].cron', 'invalid cron expression "61 * * * *"');
    expectValidationError(
      () => parseFlow(triggerFlow('    cron: "*/30 * * *"\n')),
      'triggers[0].cron',
      'invalid cron expression "*/30 * * *"',
      'expected 5 fields',
    );
    // 5 fields are not enough once seconds are on.
    expectValidationError(
      () => parseFlow(triggerFlow('    cron: "*/30 * * * *"\n    withSeconds: true\n')),
      'triggers[0].cron',
      'invalid cron expression',
      '6 fields',
    );
  });

  it('rejects an unknown time zone', () => {
    expectValidationError(
      () => parseFlow(triggerFlow('    cron: "@daily"\n    timezone: Mars/Base\n')),
      'triggers[0].timezone',
      'unknown time zone "Mars/Base"',
      'expected an IANA time zone id',
    );
  });

  it('validates the other Schedule properties', () => {
    expectValidationError(
      () => parseFlow(triggerFlow('    cron: "@daily"\n    lateMaximumDelay: ten minutes\n')),
      'triggers[0].lateMaximumDelay',
      'invalid duration',
      'PT5M',
    );
    expectValidationError(
      () => parseFlow(triggerFlow('    cron: "@daily"\n    recoverMissedSchedules: SOME\n')),
      'triggers[0].recoverMissedSchedules',
      'expected one of ALL, LAST, NONE',
    );
    expectValidationError(
      () => parseFlow(triggerFlow('    cron: "@daily"\n    stopAfter: [FAILED, DONE]\n')),
      'triggers[0].stopAfter[1]',
      'unknown execution state "DONE"',
      'SUCCESS',
    );
    expectValidationError(() => parseFlow(triggerFlow('    cron: "@daily"\n    withSeconds: "yes"\n')), 'triggers[0].withSeconds', 'expected true or false');
    expectValidationError(
      () => parseFlow(triggerFlow('    cron: "@daily"\n    labels:\n      - key: system.x\n        value: y\n')),
      'triggers[0].labels[0].key',
      'System labels can only be set by Kestra itself',
    );
  });

  it('rejects conditions, YAML backfills and unknown keys', () => {
    expectValidationError(
      () => parseFlow(triggerFlow('    cron: "@daily"\n    conditions:\n      - type: io.kestra.plugin.core.condition.Weekend\n')),
      'triggers[0].conditions',
      'not supported by this service yet',
    );
    expectValidationError(
      () => parseFlow(triggerFlow('    cron: "@daily"\n    backfill:\n      start: 2024-01-01T00:00:00Z\n')),
      'triggers[0].backfill',
      'deprecated',
      'PUT /api/v1/triggers',
    );
    expectValidationError(
      () => parseFlow(triggerFlow('    cron: "@daily"\n    timeZone: UTC\n')),
      'triggers[0].timeZone',
      'unknown key "timeZone"',
      'timezone',
    );
    expectValidationError(() => parseFlow(triggerFlow('    cron: "@daily"\n    interval: PT1M\n')), 'triggers[0].interval', 'no interval');
    expectValidationError(
      () => parseFlow(triggerFlow('    cron: "@daily"\n    allowConcurrent: true\n')),
      'triggers[0].allowConcurrent',
      'not supported by this service yet',
    );
  });

  it('validates trigger inputs against the flow inputs (partially)', () => {
    const inputs = 'inputs:\n  - id: n\n    type: INT\n  - id: s\n    type: STRING\n';
    expect(parseFlow(triggerFlow('    cron: "@daily"\n    inputs:\n      n: "4"\n', inputs)).triggers[0]?.inputs).toEqual({ n: 4 });
    expectValidationError(() => parseFlow(triggerFlow('    cron: "@daily"\n    inputs:\n      n: four\n', inputs)), 'triggers[0].inputs.n', 'expected INT');
    expectValidationError(
      () => parseFlow(triggerFlow('    cron: "@daily"\n    inputs:\n      x: 1\n', inputs)),
      'triggers[0].inputs.x',
      'unknown input "x"',
      'n, s',
    );
  });
});

describe('parseFlow: inputs and labels', () => {
  it('rejects unsupported input types, listing the supported ones', () => {
    expectValidationError(
      () => parseFlow(flowWith('inputs:\n  - id: a\n    type: SELECT\n')),
      'inputs[0].type',
      'unsupported input type "SELECT"',
      'supported: STRING, INT, FLOAT, BOOLEAN, DATETIME, DATE, JSON',
    );
    expectValidationError(() => parseFlow(flowWith('inputs:\n  - id: a\n')), 'inputs[0].type', 'required', 'STRING, INT');
  });

  it('requires defaults to match the type', () => {
    expectValidationError(() => parseFlow(flowWith('inputs:\n  - id: a\n    type: INT\n    defaults: many\n')), 'inputs[0].defaults', 'expected INT');
    expectValidationError(() => parseFlow(flowWith('inputs:\n  - id: a\n    type: DATE\n    defaults: 2024-02-30\n')), 'inputs[0].defaults', 'expected DATE');
    expectValidationError(() => parseFlow(flowWith('inputs:\n  - id: a\n    type: BOOLEAN\n    defaults: maybe\n')), 'inputs[0].defaults', 'expected BOOLEAN');
  });

  it('accepts template defaults untouched and the legacy name key', () => {
    const flow = parseFlow(flowWith('inputs:\n  - name: day\n    type: DATE\n    defaults: "{{ now() | date(\'yyyy-MM-dd\') }}"\n'));
    expect(flow.inputs).toEqual([{ id: 'day', type: 'DATE', required: true, defaults: "{{ now() | date('yyyy-MM-dd') }}" }]);
  });

  it('rejects duplicate inputs, missing ids and unknown input keys', () => {
    expectValidationError(() => parseFlow(flowWith('inputs:\n  - id: a\n    type: INT\n  - id: a\n    type: INT\n')), 'inputs[1].id', 'duplicate input id "a"');
    expectValidationError(() => parseFlow(flowWith('inputs:\n  - type: INT\n')), 'inputs[0].id', 'required', 'input id');
    expectValidationError(() => parseFlow(flowWith('inputs:\n  - id: a\n    type: INT\n    min: 1\n')), 'inputs[0].min', 'unknown key "min"', 'defaults');
  });

  it('parses flow labels as list or map and applies the label rules', () => {
    expect(parseFlow(flowWith('labels:\n  - key: team\n    value: data\n')).labels).toEqual([{ key: 'team', value: 'data' }]);
    expectValidationError(
      () => parseFlow(flowWith('labels:\n  system.readOnly: "true"\n')),
      'labels.system.readOnly',
      'System labels can only be set by Kestra itself, offending label: system.readOnly=true',
    );
    expectValidationError(() => parseFlow(flowWith('labels:\n  Team: data\n')), 'labels.Team', 'invalid label key "Team"');
    expectValidationError(() => parseFlow(flowWith('labels:\n  - key: team\n    value: ""\n')), 'labels[0].value', 'non-empty');
    expectValidationError(
      () => parseFlow(flowWith('labels:\n  - key: team\n    value: a\n  - key: team\n    value: b\n')),
      'labels[1].key',
      'duplicate label key "team"',
    );
  });

  it('locates errors inside dotted label keys', () => {
    const error = expectValidationError(() => parseFlow(flowWith('labels:\n  system.readOnly: "true"\n')), 'labels.system.readOnly');
    expect(error.line).toBe(8);
    expect(error.column).toBe(3);
  });
});

describe('ValidationError', () => {
  it('formats "<path>: <expected>" and keeps both parts', () => {
    const error = new ValidationError('backfill.start', 'expected an ISO-8601 date-time');
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('ValidationError');
    expect(error.message).toBe('backfill.start: expected an ISO-8601 date-time');
    expect(error.path).toBe('backfill.start');
    expect(error.expected).toBe('expected an ISO-8601 date-time');
    expect(error.line).toBeUndefined();
    expect(error.withLocation({ line: 2, column: 3 }).message).toBe('backfill.start: expected an ISO-8601 date-time (line 2, column 3)');
  });
});
