import { describe, expect, it } from 'vitest';
import type { FunctionModule } from '../../cdk/function-entries';
import { FUNCTION_MODULES } from '../../cdk/function-entries';
import { logicalIdOf, resourcesOf, synthStack } from './synth';

const { stack, template } = synthStack();

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
}

const actionsOf = (s: Statement) => (Array.isArray(s.Action) ? s.Action : [s.Action]);
const resourcesOfStatement = (s: Statement) => (Array.isArray(s.Resource) ? s.Resource : [s.Resource]);

type Policy = ReturnType<typeof resourcesOf>[string];

/** The statements of an AWS::IAM::Policy (PolicyDocument is a required property). */
function statementsOfPolicy(policy: Policy): Statement[] {
  const document = policy.Properties?.PolicyDocument as { Statement: Statement[] } | undefined;
  if (!document) throw new Error('AWS::IAM::Policy without a PolicyDocument');
  return document.Statement;
}

/** The statements of the policies attached to a role (by the role's logical id). */
function statementsOfRole(roleId: string): Statement[] {
  return Object.values(resourcesOf(template, 'AWS::IAM::Policy'))
    .filter((p) => ((p.Properties?.Roles ?? []) as unknown[]).some((r) => JSON.stringify(r) === JSON.stringify({ Ref: roleId })))
    .flatMap(statementsOfPolicy);
}

const statementsOf = (module: FunctionModule) => statementsOfRole(logicalIdOf(stack.functions.byModule[module].role));

/** Every action a function may take on a resource, as "action → resource" strings for readable diffs. */
function grantsOf(module: FunctionModule, service: string): string[] {
  return statementsOf(module)
    .filter((s) => s.Effect === 'Allow')
    .flatMap((s) =>
      actionsOf(s)
        .filter((a) => a.startsWith(`${service}:`))
        .flatMap((a) => resourcesOfStatement(s).map((r) => `${a} → ${nameOf(r)}`)),
    )
    .sort();
}

/** Names a resource reference by the construct it points to. */
function nameOf(resource: unknown): string {
  const json = JSON.stringify(resource);
  const names: Record<string, string> = {
    [logicalIdOf(stack.tables.byName.flows)]: 'flows',
    [logicalIdOf(stack.tables.byName.flowRevisions)]: 'flowRevisions',
    [logicalIdOf(stack.tables.byName.triggers)]: 'triggers',
    [logicalIdOf(stack.tables.byName.executions)]: 'executions',
    [logicalIdOf(stack.tables.byName.logs)]: 'logs',
    [logicalIdOf(stack.tables.byName.operations)]: 'operations',
    [logicalIdOf(stack.executionQueue.queue)]: 'queue',
    [logicalIdOf(stack.executionQueue.deadLetterQueue)]: 'dlq',
    [logicalIdOf(stack.liveExecutionQueue.queue)]: 'live queue',
    [logicalIdOf(stack.liveExecutionQueue.deadLetterQueue)]: 'live dlq',
    [logicalIdOf(stack.operationQueue.queue)]: 'operations queue',
    [logicalIdOf(stack.operationQueue.deadLetterQueue)]: 'operations dlq',
  };
  for (const [id, name] of Object.entries(names)) {
    if (json === JSON.stringify({ 'Fn::GetAtt': [id, 'Arn'] })) return name;
    if (json === JSON.stringify({ 'Fn::Join': ['', [{ 'Fn::GetAtt': [id, 'Arn'] }, '/index/*']] })) return `${name}/index/*`;
  }
  if (json.includes(':stateMachine:KestraBackfills-dev-backfill"')) return 'stateMachine';
  if (json.includes(':execution:KestraBackfills-dev-backfill:*"')) return 'executions of stateMachine';
  return json;
}

const runnerArn = { 'Fn::GetAtt': [logicalIdOf(stack.functions.byModule['task-runner'].function), 'Arn'] };

const READ = ['dynamodb:BatchGetItem', 'dynamodb:ConditionCheckItem', 'dynamodb:DescribeTable', 'dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:Scan'];
const WRITE = ['dynamodb:BatchWriteItem', 'dynamodb:DeleteItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'];

/**
 * Data-plane DynamoDB actions a function has on a table: "read", "write" (read + every write) or
 * "append" (read + PutItem only: items written once and never changed nor deleted).
 */
function tableAccess(module: FunctionModule): Record<string, 'read' | 'write' | 'append'> {
  const grants = grantsOf(module, 'dynamodb');
  const access: Record<string, 'read' | 'write' | 'append'> = {};
  for (const table of ['flows', 'flowRevisions', 'triggers', 'executions', 'logs', 'operations']) {
    const actions = grants.filter((g) => g.endsWith(`→ ${table}`)).map((g) => g.replace(/ → .*$/, ''));
    if (actions.length === 0) continue;
    expect(actions, `${module} on ${table}`).toEqual(expect.arrayContaining(READ));
    const writes = actions.filter((a) => WRITE.includes(a));
    access[table] = WRITE.every((a) => actions.includes(a)) ? 'write' : writes.length === 1 && writes[0] === 'dynamodb:PutItem' ? 'append' : 'read';
    if (access[table] === 'read')
      expect(
        actions.filter((a) => WRITE.includes(a)),
        `${module} on ${table}`,
      ).toEqual([]);
  }
  return access;
}

describe('no broad permissions', () => {
  const policies = Object.values(resourcesOf(template, 'AWS::IAM::Policy'));
  const statements = policies.flatMap(statementsOfPolicy);

  it('grants no "*" action and no service-wide wildcard action (e.g. dynamodb:*)', () => {
    for (const s of statements.filter((st) => st.Effect === 'Allow')) {
      for (const action of actionsOf(s)) expect(action).not.toMatch(/\*/);
    }
  });

  it('uses Resource "*" only for actions without resource-level permissions (X-Ray, log delivery)', () => {
    const allowedOnStar = new Set([
      'xray:PutTraceSegments',
      'xray:PutTelemetryRecords',
      'xray:GetSamplingRules',
      'xray:GetSamplingTargets',
      'logs:CreateLogDelivery',
      'logs:GetLogDelivery',
      'logs:UpdateLogDelivery',
      'logs:DeleteLogDelivery',
      'logs:ListLogDeliveries',
      'logs:PutResourcePolicy',
      'logs:DescribeResourcePolicies',
      'logs:DescribeLogGroups',
    ]);
    for (const s of statements.filter((st) => resourcesOfStatement(st).includes('*'))) {
      for (const action of actionsOf(s)) expect(allowedOnStar, action).toContain(action);
    }
  });

  it('attaches no managed policies (no AWSLambdaBasicExecutionRole: each function writes only to its own log group)', () => {
    for (const role of Object.values(resourcesOf(template, 'AWS::IAM::Role'))) {
      expect(role.Properties?.ManagedPolicyArns).toBeUndefined();
    }
    for (const module of FUNCTION_MODULES) {
      const logs = statementsOf(module).filter((s) => actionsOf(s).some((a) => a.startsWith('logs:')));
      expect(logs).toEqual([
        {
          Effect: 'Allow',
          Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          Resource: { 'Fn::GetAtt': [logicalIdOf(stack.functions.byModule[module].logGroup), 'Arn'] },
        },
      ]);
    }
  });
});

describe('state machine role', () => {
  const roleId = logicalIdOf(stack.workflow.stateMachine.role);

  it('may invoke exactly the four task functions, unqualified', () => {
    const invoke = statementsOfRole(roleId).filter((s) => actionsOf(s).some((a) => a.startsWith('lambda:')));
    const byArn = (a: unknown, b: unknown) => JSON.stringify(a).localeCompare(JSON.stringify(b));
    expect(invoke.map((s) => ({ ...s, Resource: resourcesOfStatement(s).sort(byArn) }))).toEqual([
      {
        Effect: 'Allow',
        Action: 'lambda:InvokeFunction',
        Resource: (['dispatch', 'park', 'continue', 'fail'] as const)
          .map((m) => ({ 'Fn::GetAtt': [logicalIdOf(stack.functions.byModule[m].function), 'Arn'] }))
          .sort(byArn),
      },
    ]);
  });

  it('has no data access of its own (no DynamoDB, SQS or Step Functions actions)', () => {
    const actions = statementsOfRole(roleId).flatMap(actionsOf);
    expect(actions.filter((a) => /^(dynamodb|sqs|states):/.test(a))).toEqual([]);
  });
});

describe('function grants', () => {
  it('api: writes flows, triggers, operations, and executions and logs (kills); starts, resumes and stops backfill executions; queues operation parts and, on the live queue, restarted and replayed executions', () => {
    expect(tableAccess('api')).toEqual({
      flows: 'write',
      flowRevisions: 'append',
      triggers: 'write',
      executions: 'write',
      logs: 'write',
      operations: 'write',
    });
    expect(grantsOf('api', 'states')).toEqual(
      ['states:SendTaskSuccess → stateMachine', 'states:StartExecution → stateMachine', 'states:StopExecution → executions of stateMachine'].sort(),
    );
    expect(grantsOf('api', 'sqs')).toEqual([
      'sqs:GetQueueAttributes → live queue',
      'sqs:GetQueueAttributes → operations queue',
      'sqs:GetQueueUrl → live queue',
      'sqs:GetQueueUrl → operations queue',
      'sqs:SendMessage → live queue',
      'sqs:SendMessage → operations queue',
    ]);
  });

  it('operations: consumes the operations queue and its dead-letter queue, sends restarted and replayed executions to the live queue, reads flows, writes triggers, executions (ledger pages, kills), logs (the line a kill writes) and operations; starts, resumes and stops backfill executions', () => {
    expect(tableAccess('operations')).toEqual({
      flows: 'read',
      flowRevisions: 'read',
      triggers: 'write',
      executions: 'write',
      logs: 'write',
      operations: 'write',
    });
    const consume = ['sqs:ChangeMessageVisibility', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:ReceiveMessage'];
    const send = ['sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage'];
    expect(grantsOf('operations', 'sqs')).toEqual(
      [...consume.map((a) => `${a} → operations dlq`), ...consume.map((a) => `${a} → operations queue`), ...send.map((a) => `${a} → live queue`)].sort(),
    );
    expect(grantsOf('operations', 'states')).toEqual(
      ['states:SendTaskSuccess → stateMachine', 'states:StartExecution → stateMachine', 'states:StopExecution → executions of stateMachine'].sort(),
    );
  });

  it('dispatch: reads flows, writes triggers, executions and logs, sends to the queue; no Step Functions', () => {
    expect(tableAccess('dispatch')).toEqual({ flows: 'read', flowRevisions: 'read', triggers: 'write', executions: 'write', logs: 'write' });
    expect(grantsOf('dispatch', 'sqs')).toContain('sqs:SendMessage → queue');
    expect(grantsOf('dispatch', 'states')).toEqual([]);
  });

  it('park: writes triggers (the task token), may SendTaskSuccess, nothing else', () => {
    expect(tableAccess('park')).toEqual({ triggers: 'write' });
    expect(grantsOf('park', 'states')).toEqual(['states:SendTaskSuccess → stateMachine']);
    expect(grantsOf('park', 'sqs')).toEqual([]);
  });

  it('continue: writes triggers, may StartExecution and DescribeExecution (a generation that exists already), nothing else', () => {
    expect(tableAccess('continue')).toEqual({ triggers: 'write' });
    expect(grantsOf('continue', 'states')).toEqual(['states:DescribeExecution → executions of stateMachine', 'states:StartExecution → stateMachine']);
    expect(grantsOf('continue', 'sqs')).toEqual([]);
  });

  it('fail: writes triggers (the outcome) and executions (its ledger pages), nothing else', () => {
    expect(tableAccess('fail')).toEqual({ triggers: 'write', executions: 'write' });
    expect(grantsOf('fail', 'states')).toEqual([]);
    expect(grantsOf('fail', 'sqs')).toEqual([]);
  });

  it('worker: consumes both queues (no SendMessage), reads flows, writes triggers, executions and logs', () => {
    expect(tableAccess('worker')).toEqual({ flows: 'read', flowRevisions: 'read', triggers: 'write', executions: 'write', logs: 'write' });
    const consume = ['sqs:ChangeMessageVisibility', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:ReceiveMessage'];
    expect(grantsOf('worker', 'sqs')).toEqual([...consume.map((a) => `${a} → live queue`), ...consume.map((a) => `${a} → queue`)].sort());
    expect(grantsOf('worker', 'states')).toEqual([]);
  });

  it('worker: invokes the task runner (its unqualified ARN) and no other function', () => {
    expect(grantsOf('worker', 'lambda')).toEqual([`lambda:InvokeFunction → ${JSON.stringify(runnerArn)}`]);
  });

  it('tick: reads flows, writes triggers, executions and logs, sends to the live queue only; no Step Functions', () => {
    expect(tableAccess('tick')).toEqual({ flows: 'read', triggers: 'write', executions: 'write', logs: 'write' });
    expect(grantsOf('tick', 'sqs')).toContain('sqs:SendMessage → live queue');
    expect(grantsOf('tick', 'sqs').filter((g) => g.endsWith('→ queue'))).toEqual([]);
    expect(grantsOf('tick', 'states')).toEqual([]);
  });

  it("sweep: reads flows and their kept revisions (a lost message is sent again from its backfill's pinned revision), writes triggers, executions and logs", () => {
    expect(tableAccess('sweep')).toEqual({ flows: 'read', flowRevisions: 'read', triggers: 'write', executions: 'write', logs: 'write' });
  });

  it('kept flow revisions: only the API writes them, with PutItem alone (never an update or a delete); tick, the live schedule, does not read them', () => {
    const writers = FUNCTION_MODULES.filter((module) =>
      grantsOf(module, 'dynamodb').some((g) => g.endsWith('→ flowRevisions') && WRITE.includes(g.replace(/ → .*$/, ''))),
    );
    expect(writers).toEqual(['api']);
    expect(tableAccess('tick').flowRevisions).toBeUndefined();
  });

  it('backfill lifecycle events: exactly the functions that create, pause, resume, update or end backfills, and the sweep, may PutEvents, on the default bus only', () => {
    const defaultBus = JSON.stringify({
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':events:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':event-bus/default']],
    });
    const publishers = FUNCTION_MODULES.filter((module) => grantsOf(module, 'events').length > 0);
    expect(publishers.sort()).toEqual(['api', 'dispatch', 'fail', 'operations', 'sweep', 'worker']);
    for (const module of publishers) expect(grantsOf(module, 'events'), module).toEqual([`events:PutEvents → ${defaultBus}`]);
  });

  it("lets nothing but this stack's API Gateway and schedule rule invoke functions from outside", () => {
    const permissions = Object.values(resourcesOf(template, 'AWS::Lambda::Permission')).map((p) => p.Properties ?? {});
    expect([...new Set(permissions.map((p) => p.Principal))].sort()).toEqual(['apigateway.amazonaws.com', 'events.amazonaws.com']);
    const apiId = logicalIdOf(stack.api.api);
    for (const permission of permissions.filter((p) => p.Principal === 'apigateway.amazonaws.com')) {
      expect(JSON.stringify(permission.SourceArn)).toContain(`{"Ref":"${apiId}"}`);
    }
  });

  it('web sign-in: no data access at all (it only verifies tokens and talks to Cognito over HTTPS)', () => {
    const statements = statementsOfRole(logicalIdOf(stack.webSignIn!.function.role));
    const actions = statements.flatMap(actionsOf).sort();
    expect(actions).toEqual(['logs:CreateLogStream', 'logs:PutLogEvents', 'xray:PutTelemetryRecords', 'xray:PutTraceSegments']);
  });
});

describe("task runner (shell tasks, away from the worker's credentials)", () => {
  it('may only write its own log group and read kill flags: no SQS, Step Functions, Lambda or X-Ray rights, no other DynamoDB read or write for a task to use', () => {
    expect(statementsOf('task-runner')).toEqual([
      {
        Effect: 'Allow',
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: { 'Fn::GetAtt': [logicalIdOf(stack.functions.byModule['task-runner'].logGroup), 'Arn'] },
      },
      // Polling its execution's kill flag: GetItem of the key and `killAt` alone, with a projection
      // (a read without one would return the whole item), on the executions table only.
      {
        Effect: 'Allow',
        Action: 'dynamodb:GetItem',
        Resource: { 'Fn::GetAtt': [logicalIdOf(stack.tables.byName.executions), 'Arn'] },
        Condition: {
          'ForAllValues:StringEquals': { 'dynamodb:Attributes': ['id', 'killAt'] },
          StringEqualsIfExists: { 'dynamodb:Select': 'SPECIFIC_ATTRIBUTES' },
        },
      },
    ]);
  });

  it('has a role of its own, trusted by Lambda alone', () => {
    const roleId = logicalIdOf(stack.functions.byModule['task-runner'].role);
    const roles = Object.values(stack.functions.byModule).filter((fn) => logicalIdOf(fn.role) === roleId);
    expect(roles).toHaveLength(1);
    const role = resourcesOf(template, 'AWS::IAM::Role')[roleId];
    expect(role?.Properties?.AssumeRolePolicyDocument).toEqual({
      Statement: [{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' } }],
      Version: '2012-10-17',
    });
  });

  it('may be invoked by the worker alone: no other role, no resource policy, no event source, no function URL', () => {
    const invokers = Object.values(resourcesOf(template, 'AWS::IAM::Policy'))
      .filter((policy) =>
        statementsOfPolicy(policy).some((s) => resourcesOfStatement(s).some((r) => JSON.stringify(r).includes(runnerArn['Fn::GetAtt'][0] as string))),
      )
      .map((policy) => policy.Properties?.Roles);
    expect(invokers).toEqual([[{ Ref: logicalIdOf(stack.functions.byModule.worker.role) }]]);
    const runnerId = runnerArn['Fn::GetAtt'][0] as string;
    const namesRunner = (resource: { Properties?: Record<string, unknown> }) => JSON.stringify(resource.Properties ?? {}).includes(`"${runnerId}"`);
    expect(Object.values(resourcesOf(template, 'AWS::Lambda::Permission')).filter(namesRunner)).toEqual([]);
    expect(Object.values(resourcesOf(template, 'AWS::Lambda::EventSourceMapping')).filter(namesRunner)).toEqual([]);
    expect(Object.values(resourcesOf(template, 'AWS::Lambda::Url'))).toEqual([]);
  });
});
