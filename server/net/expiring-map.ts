/**
 * A Map whose entries expire and whose size has a ceiling: the state kept
 * about strangers (failed authentications per address, nonce counts) must
 * stay bounded whatever they send. No timer per entry: an expired entry is
 * dropped when it is read, and the whole map is swept when it reaches its
 * ceiling; if it is still full, the oldest entry makes room (the caller is
 * told, so it can be careful about what it forgot).
 */
export class ExpiringMap<K, V> {
  private readonly entries = new Map<K, { value: V; expiresAt: number }>();
  private nextSweepAt = 0;

  constructor(
    private readonly maxEntries: number,
    private readonly now: () => number,
    private readonly onEvict: (key: K, value: V) => void = () => {},
  ) {}

  get size(): number {
    return this.entries.size;
  }

  get(key: K): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  /** Sets the value and when it expires (ms on the map's clock). */
  set(key: K, value: V, expiresAt: number): void {
    if (!this.entries.has(key) && this.entries.size >= this.maxEntries) this.makeRoom();
    this.entries.set(key, { value, expiresAt });
  }

  delete(key: K): void {
    this.entries.delete(key);
  }

  private makeRoom(): void {
    const now = this.now();
    // A full sweep at most once a second: a flood of new keys costs one eviction each, not a sweep each.
    if (now >= this.nextSweepAt) {
      this.nextSweepAt = now + 1000;
      for (const [key, entry] of this.entries) if (entry.expiresAt <= now) this.entries.delete(key);
      if (this.entries.size < this.maxEntries) return;
    }
    const [oldestKey, oldest] = this.entries.entries().next().value!;
    this.entries.delete(oldestKey);
    this.onEvict(oldestKey, oldest.value);
  }
}
