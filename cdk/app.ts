import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { BackfillStack } from './backfill-stack';
import { readDeployConfig } from './config';

const app = new App();
const config = readDeployConfig((key) => app.node.tryGetContext(key));
new BackfillStack(app, `KestraBackfills-${config.stage}`, {
  config,
  description: `Backfills for Kestra Schedule triggers (${config.stage})`,
});
// cdk-nag runs at synth: an unacknowledged finding fails `cdk synth`.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
