import { readFileSync } from 'node:fs';
import { App, CfnElement, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { BackfillStack } from '../../cdk/backfill-stack';
import { readDeployConfig } from '../../cdk/config';

const CDK_JSON_CONTEXT = JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')).context as Record<string, unknown>;

/**
 * Builds the stack as `cdk/app.ts` does, from the given context, in a fraction of a second: without
 * esbuild bundling (`aws:cdk:bundling-stacks: []`) and without CDK's built-in CloudFormation
 * schema validation (~3 s; `cdk synth` still runs it). Build once per test file.
 */
export function synthStack(context: Record<string, string> = {}) {
  const app = new App({
    // cdk.json's context (the feature flags) first, as `cdk synth` applies it.
    context: { ...CDK_JSON_CONTEXT, 'aws:cdk:bundling-stacks': [], ...context },
    builtinCloudFormationValidation: false,
    treeMetadata: false,
  });
  const config = readDeployConfig((key) => app.node.tryGetContext(key));
  const stack = new BackfillStack(app, `KestraBackfills-${config.stage}`, { config });
  return { app, stack, config, template: Template.fromStack(stack) };
}

type Resources = Record<string, { Type: string; Properties?: Record<string, unknown>; [key: string]: unknown }>;

export function resourcesOf(template: Template, type: string): Resources {
  return template.findResources(type) as Resources;
}

/** The resource of that type with that logical id; throws (failing the test) when there is none. */
export function resourceOf(template: Template, type: string, logicalId: string): Resources[string] {
  const resource = resourcesOf(template, type)[logicalId];
  if (!resource) throw new Error(`No ${type} with logical id ${logicalId} in the template`);
  return resource;
}

/** The logical id of a construct's CloudFormation resource (its default child). */
export function logicalIdOf(construct: IConstruct): string {
  const element = construct.node.defaultChild;
  if (!(element instanceof CfnElement)) throw new Error(`${construct.node.path} has no CloudFormation resource`);
  return Stack.of(construct).getLogicalId(element);
}
