/**
 * A small LRU map: the same command or label template is rendered for thousands of executions,
 * so parsing once and keeping the most recent templates pays off, while the bound keeps memory flat.
 */
export class LruCache<K, V> {
  private readonly map = new Map<K, V>();

  public constructor(private readonly capacity: number) {}

  public get(key: K): V | undefined {
    const value = this.map.get(key);
    if (value !== undefined) {
      // Re-insert so that Map's insertion order doubles as recency order.
      this.map.delete(key);
      this.map.set(key, value);
    }
    return value;
  }

  public set(key: K, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
    if (this.map.size > this.capacity) {
      const oldest = this.map.keys().next();
      if (!oldest.done) this.map.delete(oldest.value);
    }
  }

  public get size(): number {
    return this.map.size;
  }

  public clear(): void {
    this.map.clear();
  }
}
