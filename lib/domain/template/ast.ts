/**
 * The syntax tree produced by the parser and walked by the evaluator.
 *
 * Filters, functions and tests are resolved to their definitions at parse time, so an unknown name
 * is a parse error and evaluation never looks anything up by a template-controlled string.
 */
import type { CallableDef, TestDef } from './registry-types';

/** An argument bound to its parameter name at parse time. */
export interface BoundArg {
  name: string;
  value: Expr;
}

/** An expression node; `depth` is the height of its subtree, bounded by the parser. */
export type Expr =
  /** `float` marks a literal written with a decimal point (`2.0`): `/` then divides like a Java double. */
  | { kind: 'literal'; pos: number; depth: number; value: unknown; float?: boolean }
  | { kind: 'list'; pos: number; depth: number; items: Expr[] }
  | { kind: 'map'; pos: number; depth: number; entries: Array<[Expr, Expr]> }
  /** `chain` is the whole access path the variable starts (`trigger.date` for `trigger`), for messages. */
  | { kind: 'var'; pos: number; depth: number; name: string; path: string; chain?: string }
  | {
      kind: 'attr';
      pos: number;
      depth: number;
      object: Expr;
      /** A literal name (`a.b`, `a['b']`) or a computed key (`a[i]`). */
      key: string | number | Expr;
      path: string;
    }
  | { kind: 'binary'; pos: number; depth: number; op: string; left: Expr; right: Expr }
  | { kind: 'unary'; pos: number; depth: number; op: string; operand: Expr }
  | { kind: 'coalesce'; pos: number; depth: number; undefinedOnly: boolean; left: Expr; right: Expr }
  | { kind: 'range'; pos: number; depth: number; from: Expr; to: Expr }
  | { kind: 'filter'; pos: number; depth: number; name: string; def: CallableDef; input: Expr; args: BoundArg[] }
  | { kind: 'call'; pos: number; depth: number; name: string; def: CallableDef; args: BoundArg[] }
  | { kind: 'test'; pos: number; depth: number; name: string; def: TestDef; negate: boolean; input: Expr; args: BoundArg[] }
  | { kind: 'ternary'; pos: number; depth: number; condition: Expr; then: Expr; otherwise: Expr }
  | { kind: 'concat'; pos: number; depth: number; parts: Expr[] };

/** A statement node: text, `{{ … }}`, or a tag. */
export type Node =
  | { kind: 'text'; pos: number; text: string }
  | { kind: 'print'; pos: number; expr: Expr }
  | { kind: 'if'; pos: number; branches: Array<{ condition: Expr; body: Node[] }>; otherwise?: Node[] }
  | { kind: 'for'; pos: number; variable: string; iterable: Expr; body: Node[]; otherwise?: Node[] }
  | { kind: 'set'; pos: number; name: string; expr: Expr };

/** A parsed template, ready to render many times. */
export interface CompiledTemplate {
  source: string;
  nodes: Node[];
}

/** Text naming an expression in error messages (`trigger.date`, `'abc'`, `(…)`). */
export function pathOf(expr: Expr): string {
  switch (expr.kind) {
    case 'var':
    case 'attr':
      return expr.path;
    case 'literal':
      return typeof expr.value === 'string' ? `'${expr.value}'` : String(expr.value);
    case 'list':
      return '[…]';
    case 'map':
      return '{…}';
    default:
      return '(…)';
  }
}
