/**
 * What a compiled template reads from outside itself, found by walking its syntax tree: the root
 * variables it names and whether it reads the clock. A caller that renders the same template for
 * many contexts uses this to render once a template that reads nothing that differs between them.
 */
import type { BoundArg, CompiledTemplate, Expr, Node } from './ast';

export interface TemplateReads {
  /**
   * Every root name the template looks up (`trigger` for `trigger.date`), including names it
   * defines itself with `set` or `for`: over-approximate, so a template that shadows `trigger` still
   * counts as reading it.
   */
  variables: ReadonlySet<string>;
  /** Calls a function that reads the render's clock (`now()`). */
  clock: boolean;
}

export function templateReads(template: CompiledTemplate): TemplateReads {
  const variables = new Set<string>();
  let clock = false;

  const args = (list: readonly BoundArg[]) => {
    for (const arg of list) expr(arg.value);
  };
  const expr = (e: Expr): void => {
    switch (e.kind) {
      case 'literal':
        return;
      case 'var':
        variables.add(e.name);
        return;
      case 'list':
        for (const item of e.items) expr(item);
        return;
      case 'map':
        for (const [key, value] of e.entries) {
          expr(key);
          expr(value);
        }
        return;
      case 'attr':
        expr(e.object);
        if (typeof e.key === 'object') expr(e.key);
        return;
      case 'binary':
      case 'coalesce':
        expr(e.left);
        expr(e.right);
        return;
      case 'unary':
        expr(e.operand);
        return;
      case 'range':
        expr(e.from);
        expr(e.to);
        return;
      case 'filter':
      case 'test':
        expr(e.input);
        args(e.args);
        if (e.kind === 'filter' && e.def.readsClock) clock = true;
        return;
      case 'call':
        args(e.args);
        if (e.def.readsClock) clock = true;
        return;
      case 'ternary':
        expr(e.condition);
        expr(e.then);
        expr(e.otherwise);
        return;
      case 'concat':
        for (const part of e.parts) expr(part);
        return;
      default:
        // A new kind of node must be taught here: reading nothing is not a safe default.
        throw new Error(`templateReads: unknown expression ${(e satisfies never as Expr).kind}`);
    }
  };
  const nodes = (list: readonly Node[]): void => {
    for (const node of list) {
      switch (node.kind) {
        case 'text':
          break;
        case 'print':
        case 'set':
          expr(node.expr);
          break;
        case 'if':
          for (const branch of node.branches) {
            expr(branch.condition);
            nodes(branch.body);
          }
          if (node.otherwise) nodes(node.otherwise);
          break;
        case 'for':
          expr(node.iterable);
          nodes(node.body);
          if (node.otherwise) nodes(node.otherwise);
          break;
        default:
          throw new Error(`templateReads: unknown node ${(node satisfies never as Node).kind}`);
      }
    }
  };
  nodes(template.nodes);
  return { variables, clock };
}
