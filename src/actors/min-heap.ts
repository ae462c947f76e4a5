/** A binary min-heap of items ordered by a numeric key; used for timer deadlines. */
export class MinHeap<T> {
  private readonly keys: number[] = [];
  private readonly items: T[] = [];

  get size(): number {
    return this.items.length;
  }

  peekKey(): number | undefined {
    return this.keys[0];
  }

  push(key: number, item: T): void {
    this.keys.push(key);
    this.items.push(item);
    let i = this.keys.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.key(parent) <= key) {
        break;
      }
      this.swap(i, parent);
      i = parent;
    }
  }

  /** Removes and returns the item with the smallest key. */
  pop(): T | undefined {
    const top = this.items[0];
    const lastKey = this.keys.pop();
    const lastItem = this.items.pop();
    if (this.items.length === 0 || lastKey === undefined || lastItem === undefined) {
      return top;
    }
    this.keys[0] = lastKey;
    this.items[0] = lastItem;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let smallest = i;
      if (left < this.keys.length && this.key(left) < this.key(smallest)) {
        smallest = left;
      }
      if (right < this.keys.length && this.key(right) < this.key(smallest)) {
        smallest = right;
      }
      if (smallest === i) {
        return top;
      }
      this.swap(i, smallest);
      i = smallest;
    }
  }

  private key(i: number): number {
    return this.keys[i] ?? Number.POSITIVE_INFINITY;
  }

  private swap(a: number, b: number): void {
    const key = this.keys[a] as number;
    this.keys[a] = this.keys[b] as number;
    this.keys[b] = key;
    const item = this.items[a] as T;
    this.items[a] = this.items[b] as T;
    this.items[b] = item;
  }
}
