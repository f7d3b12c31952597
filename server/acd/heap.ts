/**
 * A binary heap of string ids with a position index, so an id can be removed
 * from the middle in O(log n). The routing index keeps one per pool of ready
 * agents and one per pool of waiting entries: the best of a pool is `peek()`,
 * O(1), whatever the pool's size.
 *
 * The order must not change while an id is in the heap: remove, change,
 * insert again.
 */
export class IndexedHeap {
  private readonly items: string[] = [];
  private readonly pos = new Map<string, number>();

  /** `before(a, b)`: a comes out before b. Must be a strict total order. */
  constructor(private readonly before: (a: string, b: string) => boolean) {}

  get size(): number {
    return this.items.length;
  }

  has(id: string): boolean {
    return this.pos.has(id);
  }

  peek(): string | undefined {
    return this.items[0];
  }

  /** Adds the id; no change when it is already in. */
  add(id: string): void {
    if (this.pos.has(id)) return;
    this.items.push(id);
    this.pos.set(id, this.items.length - 1);
    this.up(this.items.length - 1);
  }

  /** Removes the id; no change when it is not in. */
  delete(id: string): boolean {
    const i = this.pos.get(id);
    if (i === undefined) return false;
    const last = this.items.pop()!;
    this.pos.delete(id);
    if (i < this.items.length) {
      this.items[i] = last;
      this.pos.set(last, i);
      this.down(this.up(i));
    }
    return true;
  }

  /** The ids in no particular order. */
  values(): readonly string[] {
    return this.items;
  }

  private up(i: number): number {
    const items = this.items;
    const id = items[i]!;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = items[p]!;
      if (!this.before(id, parent)) break;
      items[i] = parent;
      this.pos.set(parent, i);
      i = p;
    }
    items[i] = id;
    this.pos.set(id, i);
    return i;
  }

  private down(i: number): void {
    const items = this.items;
    const n = items.length;
    const id = items[i]!;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && this.before(items[r]!, items[l]!) ? r : l;
      const child = items[c]!;
      if (!this.before(child, id)) break;
      items[i] = child;
      this.pos.set(child, i);
      i = c;
    }
    items[i] = id;
    this.pos.set(id, i);
  }
}
