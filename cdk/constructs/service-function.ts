import { type Duration, type RemovalPolicy, Validations } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { LAMBDA_FOOTPRINT } from '../../lib/config';
import { type EntryModule, PROJECT_ROOT, functionEntry } from '../function-entries';

/** Every function runs on this runtime (cdk-nag AwsSolutions-L1 wants the latest Node.js runtime CDK knows). */
const FUNCTION_RUNTIME = Runtime.NODEJS_24_X;
/** Every function's architecture (Graviton: cheaper per GB-s), as LAMBDA_FOOTPRINT says: the cost estimate prices GB-s from it. */
const FUNCTION_ARCHITECTURE = LAMBDA_FOOTPRINT.architecture === 'arm64' ? Architecture.ARM_64 : Architecture.X86_64;
/** Memory of a function that names none, in MB. */
export const DEFAULT_MEMORY_SIZE = 512;

export interface ServiceFunctionProps {
  /** The `functions/` module this Lambda runs (the same one the local default runs). */
  module: EntryModule;
  description: string;
  environment: Record<string, string>;
  timeout: Duration;
  memorySize?: number;
  logRetention: RetentionDays;
  /** What happens to the log group when the stack goes. */
  logRemovalPolicy: RemovalPolicy;
  /** X-Ray active tracing (on by default); off adds no xray:Put* rights to the role. */
  tracing?: boolean;
}

/**
 * A Lambda function with the house defaults: Node.js on ARM64, bundled by esbuild from `functions/`,
 * X-Ray tracing, its own log group with a retention, and its own role that may write only to that
 * log group (no AWSLambdaBasicExecutionRole managed policy). Callers grant everything else.
 */
export class ServiceFunction extends Construct {
  readonly function: NodejsFunction;
  readonly role: Role;
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: ServiceFunctionProps) {
    super(scope, id);
    this.logGroup = new LogGroup(this, 'Logs', {
      retention: props.logRetention,
      removalPolicy: props.logRemovalPolicy,
    });
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `Runs functions/${props.module}.ts`,
    });
    this.logGroup.grantWrite(this.role);
    const tracing = props.tracing ?? true;
    if (tracing) {
      Validations.of(this.role).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'Tracing.ACTIVE grants xray:PutTraceSegments and xray:PutTelemetryRecords, which support no resource-level ' +
          'permissions; test/cdk/iam.test.ts checks that "*" carries only these actions.',
      });
    }

    this.function = new NodejsFunction(this, 'Function', {
      entry: functionEntry(props.module),
      handler: 'handler',
      projectRoot: PROJECT_ROOT,
      description: props.description,
      runtime: FUNCTION_RUNTIME,
      architecture: FUNCTION_ARCHITECTURE,
      memorySize: props.memorySize ?? DEFAULT_MEMORY_SIZE,
      timeout: props.timeout,
      tracing: tracing ? Tracing.ACTIVE : Tracing.DISABLED,
      role: this.role,
      logGroup: this.logGroup,
      environment: { NODE_OPTIONS: '--enable-source-maps', ...props.environment },
      bundling: {
        format: OutputFormat.ESM,
        target: 'node24',
        mainFields: ['module', 'main'],
        // Bundle the pinned AWS SDK rather than rely on the runtime's copy (the default marks it external).
        externalModules: [],
        // CommonJS dependencies inside an ES module bundle still call `require`.
        banner: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
        minify: true,
        sourceMap: true,
      },
    });
  }
}
