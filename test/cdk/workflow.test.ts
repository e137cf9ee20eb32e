import { readFileSync } from 'node:fs';
import validateAsl from 'asl-validator';
import { describe, expect, it } from 'vitest';
import { BACKFILL_ASL_PATH, BACKFILL_TASK_FUNCTIONS } from '../../lib/workflow/definition';
import { logicalIdOf, resourcesOf, synthStack } from './synth';

const { stack, template } = synthStack();
const raw = readFileSync(BACKFILL_ASL_PATH, 'utf8');
const [stateMachineResource] = Object.values(resourcesOf(template, 'AWS::StepFunctions::StateMachine'));
if (!stateMachineResource) throw new Error('The stack has no state machine');
const stateMachine = stateMachineResource.Properties as {
  DefinitionString: unknown;
  DefinitionSubstitutions: Record<string, unknown>;
};

/** `${Name}` placeholders, the syntax definitionSubstitutions fills. */
const placeholdersIn = (text: string) => [...new Set([...text.matchAll(/\$\{([A-Za-z0-9_]+)\}/g)].map((m) => m[1]))].sort();

describe('backfill ASL (lib/workflow/backfill.asl.json)', () => {
  it('is valid Amazon States Language (asl-validator)', () => {
    const result = validateAsl(JSON.parse(raw));
    expect(result.errorsText(), 'asl-validator').toBe('');
    expect(result.isValid).toBe(true);
  });

  it('has exactly the placeholders BACKFILL_TASK_FUNCTIONS maps', () => {
    expect(placeholdersIn(raw)).toEqual(Object.keys(BACKFILL_TASK_FUNCTIONS).sort());
  });
});

describe('deployed state machine definition', () => {
  it('is the ASL file itself, inline (not an S3 asset)', () => {
    expect(typeof stateMachine.DefinitionString).toBe('string');
    expect(JSON.parse(stateMachine.DefinitionString as string)).toEqual(JSON.parse(raw));
  });

  it('resolves every placeholder: each one has a substitution, no substitution is unused', () => {
    expect(Object.keys(stateMachine.DefinitionSubstitutions).sort()).toEqual(placeholdersIn(stateMachine.DefinitionString as string));
  });

  it('substitutes each placeholder with the ARN of the function of the same functions/ module', () => {
    for (const [placeholder, module] of Object.entries(BACKFILL_TASK_FUNCTIONS)) {
      expect(stateMachine.DefinitionSubstitutions[placeholder]).toEqual({
        'Fn::GetAtt': [logicalIdOf(stack.functions.byModule[module].function), 'Arn'],
      });
    }
  });

  // biome-ignore lint/suspicious/noTemplateCurlyInString: the name quotes the ASL placeholder syntax.
  it('leaves no ${…} unresolved once CloudFormation applies the substitutions', () => {
    // What CloudFormation does at deploy time, with the GetAtt tokens as stand-in ARNs.
    const deployed = (stateMachine.DefinitionString as string).replace(/\$\{([A-Za-z0-9_]+)\}/g, (_, name: string) =>
      name in stateMachine.DefinitionSubstitutions ? `arn:aws:lambda:eu-west-1:123456789012:function:${name}` : `\${${name}}`,
    );
    expect(deployed).not.toContain('${');
    expect(validateAsl(JSON.parse(deployed)).isValid).toBe(true);
  });

  it('parks on a .waitForTaskToken task', () => {
    expect(stateMachine.DefinitionString).toContain('arn:aws:states:::lambda:invoke.waitForTaskToken');
  });
});
