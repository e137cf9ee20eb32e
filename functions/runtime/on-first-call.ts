/**
 * A Lambda handler built on its first invocation rather than at import: importing an entry module
 * reads no environment and builds no client, so the local default (and tests) import the very same
 * handler factories, while a warm Lambda builds its dependencies once per cold start.
 */
export function onFirstCall<A extends unknown[], R>(build: () => (...args: A) => R): (...args: A) => R {
  let built: ((...args: A) => R) | undefined;
  return (...args) => {
    built ??= build();
    return built(...args);
  };
}
