/** `worker` → `Worker`, `dead-letter` → `DeadLetter`: construct ids and alarm names from module names. */
export function pascal(name: string): string {
  return name
    .split('-')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}
