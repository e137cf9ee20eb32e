/** `worker` → `Worker`: construct ids and alarm names from module names. */
export function pascal(name: string): string {
  return name.charAt(0).toUpperCase() + name.slice(1);
}
