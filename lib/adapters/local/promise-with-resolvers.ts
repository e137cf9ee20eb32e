/**
 * aws-local-stepfunctions 3 calls `Promise.withResolvers`, which Node 20 lacks (it came in Node 22).
 * Importing this module installs it once, before any state machine runs; a no-op where it exists.
 */
const promiseCtor = Promise as unknown as { withResolvers?: unknown };
promiseCtor.withResolvers ??= function withResolvers<T>() {
  let resolve!: (value: T) => void;
  let reject!: (reason?: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
};
