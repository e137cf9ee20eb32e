/**
 * Kestra's namespace filter: a namespace matches itself and its children (`company` matches
 * `company.team`, not `companyx`). No filter matches everything.
 */
export function inNamespace(namespace: string, filter: string | undefined): boolean {
  return !filter || namespace === filter || namespace.startsWith(`${filter}.`);
}
