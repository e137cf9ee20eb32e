/**
 * Maps a `ValidationError` path (`tasks[1].env.FOO`) back to a line and column in the flow's
 * YAML source, so an editor can point at the offending text.
 */
import { isAlias, isMap, isScalar, isSeq } from 'yaml';
import type { Document, LineCounter, Node as YamlNode } from 'yaml';
import type { SourceLocation } from './errors';

/** `tasks[1].env.FOO` → `['tasks', 1, 'env', 'FOO']`. */
function splitPath(path: string): (string | number)[] {
  const out: (string | number)[] = [];
  // One of the two alternatives matched: an index, else a key.
  for (const m of path.matchAll(/\[(\d+)\]|([^.[\]]+)/g)) out.push(m[1] !== undefined ? Number(m[1]) : m[2]!);
  return out;
}

/**
 * Finds the YAML node an error path points at (a map entry's key, or a list item) and returns
 * its position. Best effort: stops at the deepest node found; keys containing dots (label keys)
 * are matched by re-joining segments.
 *
 * @param lineCounter the counter `doc` was parsed with.
 * @returns the 1-based line and column, or `undefined` when not even the first segment is found.
 */
export function locateInYaml(doc: Document, lineCounter: LineCounter, path: string): SourceLocation | undefined {
  const segments = splitPath(path);
  let node: unknown = doc.contents;
  let found: YamlNode | undefined;
  for (let i = 0; i < segments.length && node; i++) {
    if (isAlias(node)) node = node.resolve(doc);
    const seg = segments[i];
    if (isSeq(node) && typeof seg === 'number') {
      node = node.items[seg];
      if (node && (isScalar(node) || isMap(node) || isSeq(node) || isAlias(node))) found = node as YamlNode;
      else break;
    } else if (isMap(node) && typeof seg === 'string') {
      let matched = false;
      for (let j = i, key = ''; j < segments.length && typeof segments[j] === 'string'; j++) {
        key = key ? `${key}.${segments[j]}` : (segments[j] as string);
        const pair = node.items.find((p) => (isScalar(p.key) ? String(p.key.value) : p.key) === key);
        if (pair) {
          found = (pair.key as YamlNode) ?? found;
          node = pair.value;
          i = j;
          matched = true;
          break;
        }
      }
      if (!matched) break;
    } else break;
  }
  const offset = found?.range?.[0];
  if (offset === undefined) return undefined;
  const pos = lineCounter.linePos(offset);
  return { line: pos.line, column: pos.col };
}
