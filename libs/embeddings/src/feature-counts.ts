/**
 * A reusable multiset of 32-bit feature hashes: open addressing with linear probing over typed
 * arrays. It replaces a Map<number, number> in the local embedder, which boxed every hash above
 * 2^30 and spent most of the embedding time in Map.get/set.
 */
export class FeatureCounts {
  private keys: Int32Array;
  private counts: Int32Array;
  /** Occupied slots, in insertion order: iteration and reset touch only these. */
  private slots: Int32Array;
  private mask: number;
  private shift: number;
  size = 0;

  constructor(initialCapacity = 4096) {
    let capacity = 16;
    while (capacity < initialCapacity) capacity *= 2;
    this.keys = new Int32Array(capacity);
    this.counts = new Int32Array(capacity);
    this.slots = new Int32Array(capacity >>> 1);
    this.mask = capacity - 1;
    this.shift = 32 - Math.log2(capacity);
  }

  add(hash: number): void {
    const key = hash | 0;
    let slot = Math.imul(key, 0x9e3779b1) >>> this.shift; // Fibonacci hashing: top bits
    for (;;) {
      const c = this.counts[slot];
      if (c === 0) break;
      if (this.keys[slot] === key) {
        this.counts[slot] = c + 1;
        return;
      }
      slot = (slot + 1) & this.mask;
    }
    this.keys[slot] = key;
    this.counts[slot] = 1;
    this.slots[this.size++] = slot;
    if (this.size === this.slots.length) this.grow();
  }

  forEach(visit: (hash: number, count: number) => void): void {
    for (let i = 0; i < this.size; i++) {
      const slot = this.slots[i];
      visit(this.keys[slot] >>> 0, this.counts[slot]);
    }
  }

  clear(): void {
    for (let i = 0; i < this.size; i++) this.counts[this.slots[i]] = 0;
    this.size = 0;
  }

  private grow(): void {
    const { keys, counts, slots, size } = this;
    const capacity = keys.length * 2;
    this.keys = new Int32Array(capacity);
    this.counts = new Int32Array(capacity);
    this.slots = new Int32Array(capacity >>> 1);
    this.mask = capacity - 1;
    this.shift -= 1;
    this.size = 0;
    for (let i = 0; i < size; i++) {
      const slot = slots[i];
      const key = keys[slot];
      let target = Math.imul(key, 0x9e3779b1) >>> this.shift;
      while (this.counts[target] !== 0) target = (target + 1) & this.mask;
      this.keys[target] = key;
      this.counts[target] = counts[slot];
      this.slots[this.size++] = target;
    }
  }
}
