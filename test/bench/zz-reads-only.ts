import { readsWhileBackfilling } from './reads';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
await readsWhileBackfilling((what, ours, base, name, unit) => console.log(`  REPORT ${what}: ${ours.toFixed(1)} ${unit} vs ${name} ${base.toFixed(1)} → ${(ours / base).toFixed(2)}×`));
