/**
 * Evaluator: walks a compiled template and produces the output string.
 *
 * Strict like Kestra's Pebble (`strictVariables(true)`): an unknown variable or attribute throws an
 * `UndefinedVariableError`, which only `??`, `???`, `is defined` and `| default` swallow. Every
 * expression and loop iteration ticks the runtime, which enforces the time limit; the output and
 * every intermediate string are capped.
 */
import { pathOf, type BoundArg, type CompiledTemplate, type Expr, type Node } from './ast';
import { locate, TemplateError, UndefinedVariableError } from './errors';
import { range, rangeSize } from './functions';
import { arithmetic, compare, contains, isIn, toBoolean } from './operators';
import type { Runtime } from './runtime';
import { BLOCKED_NAMES, isPlainObject, isUsable, MISSING, newMap, ownKeys, readData, readOwn, setOwn, toText, typeName, valuesEqual } from './values';

/** Items of a `for` loop, read lazily so `0..100000000` never materializes. */
interface Iteration {
  length: number;
  get(index: number): unknown;
}

/** Renders one compiled template with one set of variables; create one per render. */
export class Evaluator {
  /** Scopes created by the template (`set`, `for`); the caller's variables sit below them. */
  private readonly scopes: Array<Map<string, unknown>> = [new Map()];
  private readonly chunks: string[] = [];
  private length = 0;

  public constructor(
    private readonly template: CompiledTemplate,
    private readonly variables: Record<string, unknown>,
    private readonly rt: Runtime,
  ) {}

  public render(): string {
    this.renderNodes(this.template.nodes);
    return this.chunks.join('');
  }

  private write(text: string): void {
    this.length += text.length;
    if (this.length > this.rt.maxOutputLength) {
      throw new TemplateError(`Rendered output exceeds the limit of ${this.rt.maxOutputLength} characters`);
    }
    this.chunks.push(text);
  }

  private located(error: unknown, pos: number): unknown {
    return error instanceof TemplateError ? locate(error, this.template.source, pos) : error;
  }

  // --- statements ---

  private renderNodes(nodes: readonly Node[]): void {
    for (const node of nodes) {
      this.rt.tick();
      try {
        this.renderNode(node);
      } catch (error) {
        throw this.located(error, node.pos);
      }
    }
  }

  private renderNode(node: Node): void {
    switch (node.kind) {
      case 'text':
        this.write(node.text);
        return;
      case 'print':
        this.write(toText(this.evaluate(node.expr), this.rt));
        return;
      case 'set':
        this.assign(node.name, this.evaluate(node.expr));
        return;
      case 'if':
        for (const branch of node.branches) {
          if (this.condition(branch.condition)) {
            this.renderNodes(branch.body);
            return;
          }
        }
        if (node.otherwise) this.renderNodes(node.otherwise);
        return;
      case 'for':
        this.renderFor(node);
        return;
      default:
        throw new TemplateError('Unknown node');
    }
  }

  /** Pebble's `IfNode`: booleans, numbers and strings only; null fails in strict mode. */
  private condition(expr: Expr): boolean {
    const value = this.evaluate(expr);
    try {
      return toBoolean(value, '"if" condition');
    } catch (error) {
      throw this.located(error, expr.pos);
    }
  }

  /** `set` updates the innermost template scope that has the name, else defines it in the current one. */
  private assign(name: string, value: unknown): void {
    for (let i = this.scopes.length - 1; i >= 0; i--) {
      const scope = this.scopes[i]!;
      if (scope.has(name)) {
        scope.set(name, value);
        return;
      }
    }
    // Never empty: it starts with the template's own scope, and every push has its pop.
    this.scopes.at(-1)!.set(name, value);
  }

  private renderFor(node: Extract<Node, { kind: 'for' }>): void {
    const iteration = this.iterate(node.iterable);
    if (iteration === null) return; // Pebble renders nothing for a null iterable, not even `else`.
    if (iteration.length === 0) {
      if (node.otherwise) this.renderNodes(node.otherwise);
      return;
    }
    const scope = new Map<string, unknown>();
    const loop = newMap();
    this.scopes.push(scope);
    try {
      const { length } = iteration;
      for (let index = 0; index < length; index++) {
        this.rt.tick();
        setOwn(loop, 'index', index);
        setOwn(loop, 'revindex', length - index - 1);
        setOwn(loop, 'first', index === 0);
        setOwn(loop, 'last', index === length - 1);
        setOwn(loop, 'length', length);
        scope.set('loop', loop);
        scope.set(node.variable, iteration.get(index));
        this.renderNodes(node.body);
      }
    } finally {
      this.scopes.pop();
    }
  }

  private iterate(expr: Expr): Iteration | null {
    if (expr.kind === 'range') {
      const from = this.evaluate(expr.from);
      const to = this.evaluate(expr.to);
      if (typeof from === 'number' && typeof to === 'number' && Number.isInteger(from) && Number.isInteger(to)) {
        return { length: rangeSize(from, to, 1), get: (i) => from + i };
      }
      const items = range(from, to, 1, this.rt);
      return { length: items.length, get: (i) => items[i] };
    }
    const value = this.evaluate(expr);
    if (value === null) return null;
    if (Array.isArray(value)) {
      return {
        length: value.length,
        get: (i) => {
          const item = readData(value, i);
          return item === MISSING ? null : item;
        },
      };
    }
    if (isPlainObject(value)) {
      // Like a Java Map.Entry: `entry.key`, `entry.value`.
      const keys = ownKeys(value);
      return {
        length: keys.length,
        get: (i) => {
          const key = keys[i]!; // callers ask for 0 <= i < length
          const entry = newMap();
          setOwn(entry, 'key', key);
          setOwn(entry, 'value', readData(value, key));
          return entry;
        },
      };
    }
    throw this.located(new TemplateError(`Cannot iterate over a value of type ${typeName(value)}`), expr.pos);
  }

  // --- expressions ---

  private evaluate(expr: Expr): unknown {
    this.rt.tick();
    try {
      return this.evaluateInner(expr);
    } catch (error) {
      throw this.located(error, expr.pos);
    }
  }

  private evaluateInner(expr: Expr): unknown {
    switch (expr.kind) {
      case 'literal':
        return expr.value;
      case 'list':
        return expr.items.map((item) => this.evaluate(item));
      case 'map': {
        const map = newMap();
        for (const [keyExpr, valueExpr] of expr.entries) {
          const key = this.evaluate(keyExpr);
          setOwn(map, typeof key === 'string' ? key : toText(key, this.rt), this.evaluate(valueExpr));
        }
        return map;
      }
      case 'var':
        return this.variable(expr);
      case 'attr':
        return this.attribute(expr);
      case 'binary':
        return this.binary(expr);
      case 'unary': {
        const value = this.evaluate(expr.operand);
        if (expr.op === 'not') {
          return !toBoolean(value, '"not"');
        }
        return arithmetic('*', expr.op === '-' ? -1 : 1, value, false, this.rt);
      }
      case 'coalesce': {
        try {
          const value = this.evaluate(expr.left);
          if (value !== null || expr.undefinedOnly) return value;
        } catch (error) {
          if (!(error instanceof UndefinedVariableError)) throw error;
        }
        return this.evaluate(expr.right);
      }
      case 'range':
        return range(this.evaluate(expr.from), this.evaluate(expr.to), 1, this.rt);
      case 'filter': {
        const args = this.evaluateArgs(expr.args);
        const input = expr.def.tolerateUndefinedInput ? this.evaluateOrNull(expr.input) : this.evaluate(expr.input);
        return this.checked(expr.def.apply(input, args, this.rt));
      }
      case 'call':
        return this.checked(expr.def.apply(null, this.evaluateArgs(expr.args), this.rt));
      case 'test': {
        const args = this.evaluateArgs(expr.args);
        const input = expr.def.tolerateUndefinedInput ? this.evaluateOrNull(expr.input) : this.evaluate(expr.input);
        const result = expr.def.apply(input, args, this.rt);
        return expr.negate ? !result : result;
      }
      case 'ternary': {
        const condition = this.evaluate(expr.condition);
        const chosen = condition !== null && toBoolean(condition, 'the ternary operator');
        return this.evaluate(chosen ? expr.then : expr.otherwise);
      }
      case 'concat':
        return this.rt.checkString(expr.parts.map((part) => toText(this.evaluate(part), this.rt)).join(''));
      default:
        throw new TemplateError('Unknown expression');
    }
  }

  /** Values returned by filters and functions: strings are capped, `undefined` becomes null. */
  private checked(value: unknown): unknown {
    if (typeof value === 'string') return this.rt.checkString(value);
    return value === undefined ? null : value;
  }

  private evaluateOrNull(expr: Expr): unknown {
    try {
      return this.evaluate(expr);
    } catch (error) {
      if (error instanceof UndefinedVariableError) return null;
      throw error;
    }
  }

  private evaluateArgs(args: readonly BoundArg[]): Map<string, unknown> {
    const out = new Map<string, unknown>();
    for (const arg of args) out.set(arg.name, this.evaluate(arg.value));
    return out;
  }

  private variable(expr: Extract<Expr, { kind: 'var' }>): unknown {
    for (let i = this.scopes.length - 1; i >= 0; i--) {
      const scope = this.scopes[i]!;
      if (scope.has(expr.name)) return scope.get(expr.name);
    }
    const value = rootValue(this.variables, expr.name);
    if (value === MISSING) {
      const where = expr.chain && expr.chain !== expr.name ? ` (in '${expr.chain}')` : '';
      throw new UndefinedVariableError(`Unable to find variable '${expr.name}'${where}`);
    }
    return value;
  }

  private attribute(expr: Extract<Expr, { kind: 'attr' }>): unknown {
    const object = this.evaluate(expr.object);
    const objectPath = pathOf(expr.object);
    if (object === null) {
      throw new UndefinedVariableError(`Unable to find variable '${expr.path}': '${objectPath}' is null`);
    }
    const key = typeof expr.key === 'object' ? this.evaluate(expr.key) : expr.key;
    if (typeof key !== 'string' && typeof key !== 'number') {
      throw new TemplateError(`Invalid attribute key of type ${typeName(key)} in '${expr.path}'`);
    }
    const value = readOwn(object, key);
    if (value === MISSING) {
      const reason = BLOCKED_NAMES.has(String(key)) ? `attribute '${key}' is not accessible` : `'${objectPath}' has no attribute '${key}'`;
      throw new UndefinedVariableError(`Unable to find variable '${expr.path}': ${reason}`);
    }
    return value;
  }

  private binary(expr: Extract<Expr, { kind: 'binary' }>): unknown {
    const { op } = expr;
    if (op === 'and' || op === 'or') {
      const left = toBoolean(this.evaluate(expr.left), `"${op}"`);
      if (op === 'and' ? !left : left) return left;
      return toBoolean(this.evaluate(expr.right), `"${op}"`);
    }
    const left = this.evaluate(expr.left);
    const right = this.evaluate(expr.right);
    switch (op) {
      case '==':
        return valuesEqual(left, right, this.rt);
      case '!=':
        return !valuesEqual(left, right, this.rt);
      case '<':
      case '>':
      case '<=':
      case '>=':
        return compare(op, left, right);
      case 'contains':
        return contains(left, right, this.rt);
      case 'in':
        return isIn(left, right, this.rt);
      case 'not in':
        return !isIn(left, right, this.rt);
      case '~':
        return this.rt.checkString(toText(left, this.rt) + toText(right, this.rt));
      default: {
        const floatHint = isFloatLiteral(expr.left) || isFloatLiteral(expr.right);
        return arithmetic(op, left, right, floatHint, this.rt);
      }
    }
  }
}

function isFloatLiteral(expr: Expr): boolean {
  return expr.kind === 'literal' && expr.float === true;
}

/** A caller variable: own data properties only, never an inherited or blocked name. */
function rootValue(variables: Record<string, unknown>, name: string): unknown {
  if (BLOCKED_NAMES.has(name)) return MISSING;
  const descriptor = Object.getOwnPropertyDescriptor(variables, name);
  if (!descriptor || !('value' in descriptor) || !isUsable(descriptor.value)) return MISSING;
  return descriptor.value;
}
