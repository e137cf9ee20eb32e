/**
 * `target` with some of its methods replaced by `overrides`, every other member read from `target`
 * itself (methods bound to it, so class instances with private fields keep working). How a handler
 * observes what a use case does through a port (a batch's cursor moving, an execution's final write)
 * without the use case knowing: the port's contract says what each call means.
 */
export function decorate<T extends object>(target: T, overrides: Partial<T>): T {
  return new Proxy(target, {
    get(object, property) {
      if (Object.hasOwn(overrides, property)) return overrides[property as keyof T];
      const value = Reflect.get(object, property, object);
      return typeof value === 'function' ? value.bind(object) : value;
    },
  });
}
