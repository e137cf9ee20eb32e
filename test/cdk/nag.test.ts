import { Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { synthStack } from './synth';

/** Runs the AwsSolutions pack over the app, as `cdk synth` does; acknowledged findings do not count. */
function nagViolations(context: Record<string, string> = {}) {
  const { app } = synthStack(context);
  const report = new AwsSolutionsChecks(app).validateScope(app);
  return report.violations.map((v) => `${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath).join(', ')}`);
}

describe('cdk-nag AwsSolutions', () => {
  it('finds nothing unacknowledged in the default (dev, IAM auth) stack', () => {
    expect(nagViolations()).toEqual([]);
  });

  it('finds nothing unacknowledged outside dev, with a JWT authorizer', () => {
    expect(nagViolations({ stage: 'prod', auth: 'jwt', jwtIssuer: 'https://issuer.example.com/', jwtAudience: 'client' })).toEqual([]);
  });

  it('finds nothing unacknowledged without the web UI', () => {
    expect(nagViolations({ webUi: 'off' })).toEqual([]);
  });

  it('acknowledges only specific findings, each with a reason', () => {
    const { app } = synthStack();
    const acknowledged: { path: string; id: string; reason: string }[] = [];
    const visit = (node: (typeof app.node.children)[number]) => {
      for (const entry of node.node.metadata) {
        if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
        for (const [id, reason] of Object.entries(entry.data as Record<string, string>)) acknowledged.push({ path: node.node.path, id, reason });
      }
      node.node.children.forEach(visit);
    };
    visit(app);
    expect(acknowledged.length).toBeGreaterThan(0);
    for (const ack of acknowledged) {
      expect(ack.reason.length).toBeGreaterThan(40);
      // The Cognito Plus plan (threat protection), on the user pool alone.
      if (/AwsSolutions-COG[38]$/.test(ack.id)) {
        expect(ack.path).toMatch(/\/Web\/Users$/);
        continue;
      }
      // Otherwise a finding id (AwsSolutions-IAM5[Resource::…]), never a whole rule, on a role, never the stack or app.
      expect(ack.id).toMatch(/AwsSolutions-IAM5\[Resource::.+\]$/);
      expect(ack.path).toMatch(/\/Role$/);
    }
  });
});
