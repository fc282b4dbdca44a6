/**
 * How a task ended, kept as its tombstone. The codes are part of the stored tombstone (see `TaskTable`).
 */
export type TaskEnd = 'completed' | 'failed' | 'cancelled'

const endNames: readonly TaskEnd[] = ['completed', 'failed', 'cancelled']
const endCodes: Record<TaskEnd, number> = { completed: 0, failed: 1, cancelled: 2 }
/** The state of a live slot (tombstones are `seq << 2 | code`, never negative). */
const live = -1

export interface TaskTableOptions {
  /** The table starts with 2^initialBits slots. */
  initialBits?: number
  /**
   * Ending sequence numbers wrap at 2^seqBits (at most 28, so `seq << 2 | code` stays a small integer, unboxed in
   * V8); the table rehashes every 2^(seqBits - 2) endings so no tombstone's age can wrap. Smaller only in tests.
   */
  seqBits?: number
  /** Replaces the hash of an id (tests force collisions with it); 0 is taken as 1. */
  hash?: (id: string) => number
}

/**
 * Every task by id: its record while it lives, then how it ended (a tombstone) until `memory` later endings have
 * made it forgettable. Open addressing with linear probing over typed arrays, keyed by our own hash of the id.
 *
 * Why not a Map with a ring of ended ids (what this replaced): at a million events a second the table holds a
 * quarter of a million live tasks and as many tombstones, so every look-up misses the cache, and the Map paid
 * misses three ways: a look-up of a new id walked a bucket chain reading each stored key's string to compare
 * hashes, and forgetting the oldest tombstone took a look-up and a delete of an id ended long ago, twice per task.
 * Here the hashes sit in one Int32Array, so a probe for a new id usually reads one cache line; and a tombstone is
 * a number beside its hash, the sequence number of its ending, so it expires by arithmetic, and its slot is reused
 * by the next insert that probes past it or dropped at the next rehash. No delete, no per-tombstone bookkeeping; a
 * probe reads a record only where the hash matches (a live record's id is the key), a rehash never.
 */
export class TaskTable<T extends { readonly id: string }> {
  /** Ended ids remembered: an id ended `memory` endings ago or fewer is a tombstone, older ones are forgotten. */
  readonly memory: number
  /** Endings so far (mod 2^seqBits). */
  private endSeq = 0
  private readonly seqMask: number
  private readonly rehashEveryEnds: number
  private mask = 0
  /**
   * Per slot s: at 2s the key's hash (never 0), or 0 for a slot unused since the last rehash; at 2s + 1 `live`,
   * or the tombstone `seq << 2 | code`. A probe reads this; it compares ids only where the hashes match.
   */
  private meta = new Int32Array(0)
  /**
   * Per slot: the live record (its `id` is the key), or the id of a tombstone (records are pooled, so an ended
   * task's record is not kept). One word per slot: on a hit the record is read anyway.
   */
  private slots: Array<T | string | undefined> = []
  /** Slots whose hash is not 0: live, tombstones, and expired tombstones not yet reused. */
  private used = 0
  private liveCount = 0
  /** Endings since the last rehash: bounded, so no tombstone left in a slot lives long enough to wrap around. */
  private endsSinceRehash = 0
  private readonly seed: number
  /** The slot of the id looked up or stored last: hosts name a task several times in a row, and admit then apply. */
  private lastKey: string | null = null
  private lastSlot = -1

  constructor(memory: number, options: TaskTableOptions = {}) {
    const seqBits = options.seqBits ?? 28
    if (!(Number.isInteger(seqBits) && seqBits >= 3 && seqBits <= 28)) {
      throw new RangeError(`seqBits must be a whole number in 3..28, got ${seqBits}`)
    }
    this.seqMask = 2 ** seqBits - 1
    this.rehashEveryEnds = 2 ** (seqBits - 2)
    if (!(Number.isInteger(memory) && memory > 0 && memory <= this.rehashEveryEnds)) {
      throw new RangeError(`memory must be a whole number in 1..${this.rehashEveryEnds}, got ${memory}`)
    }
    this.memory = memory
    // A seed per table, as V8 seeds its own string hashes: ids chosen to collide cannot be precomputed. Nothing
    // observable depends on slot order (nothing iterates the table for output).
    this.seed = (Math.random() * 0x1_0000_0000) | 0
    const hash = options.hash
    if (hash) this.hash = (id) => hash(id) | 0 || 1
    this.allocate(options.initialBits ?? 10)
  }

  /** Live records. */
  get size(): number {
    return this.liveCount
  }

  /**
   * Live records, in no particular order (for checks; nothing on the hot path iterates the table). The table must
   * not change during the iteration.
   */
  *values(): IterableIterator<T> {
    for (let s = 0; s < this.slots.length; s++) {
      if (this.meta[2 * s + 1] === live) yield this.slots[s] as T
    }
  }

  /** The live record of that id, how it ended if it ended within memory, or undefined. */
  get(id: string): T | TaskEnd | undefined {
    const slot = this.find(id)
    if (slot < 0) return undefined
    const state = this.meta[2 * slot + 1]
    if (state === live) return this.slots[slot] as T
    return this.remembered(state) ? endNames[state & 3] : undefined
  }

  /** Store `record` as the live record of `id` (a new id, or an id that ended: a retry). */
  set(id: string, record: T): void {
    const hash = this.hash(id)
    const meta = this.meta
    const mask = this.mask
    let reusable = -1
    let slot = hash & mask
    for (; ; slot = (slot + 1) & mask) {
      const h = meta[2 * slot]
      if (h === 0) break
      const state = meta[2 * slot + 1]
      if (h === hash && this.keyAt(slot, state) === id) {
        if (state === live) throw new Error(`task '${id}' is already live`)
        reusable = slot
        break
      }
      if (reusable < 0 && !this.keeps(state)) reusable = slot
    }
    if (reusable < 0) {
      reusable = slot
      this.used++
    }
    meta[2 * reusable] = hash
    meta[2 * reusable + 1] = live
    this.slots[reusable] = record
    this.liveCount++
    this.lastKey = id
    this.lastSlot = reusable
    if (this.used * 2 > mask + 1) this.rehash()
  }

  /** The live record of `id` ends: it becomes a tombstone. */
  end(id: string, how: TaskEnd): void {
    const slot = this.find(id)
    if (slot < 0 || this.meta[2 * slot + 1] !== live) throw new Error(`task '${id}' is not live`)
    this.meta[2 * slot + 1] = (this.endSeq << 2) | endCodes[how]
    this.slots[slot] = (this.slots[slot] as T).id
    this.endSeq = (this.endSeq + 1) & this.seqMask
    this.liveCount--
    if (++this.endsSinceRehash >= this.rehashEveryEnds) this.rehash()
  }

  private remembered(tombstone: number): boolean {
    return ((this.endSeq - (tombstone >>> 2)) & this.seqMask) <= this.memory
  }

  private find(id: string): number {
    if (id === this.lastKey) return this.lastSlot
    const hash = this.hash(id)
    const meta = this.meta
    const mask = this.mask
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const h = meta[2 * slot]
      if (h === 0) return -1
      if (h === hash && this.keyAt(slot, meta[2 * slot + 1]) === id) {
        this.lastKey = id
        this.lastSlot = slot
        return slot
      }
    }
  }

  private keyAt(slot: number, state: number): string {
    const entry = this.slots[slot]
    return state === live ? (entry as T).id : (entry as string)
  }

  /** FNV-1a over the UTF-16 code units, seeded; never 0 (0 marks an empty slot). */
  private hash(id: string): number {
    let h = 0x811c9dc5 ^ this.seed
    for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193)
    return h || 1
  }

  private allocate(bits: number): void {
    this.meta = new Int32Array(2 << bits)
    // Left holey: a slot is read only where its hash says it is in use.
    this.slots = new Array(1 << bits)
    this.mask = (1 << bits) - 1
    this.used = 0
    this.lastKey = null
    this.lastSlot = -1
  }

  /**
   * Into a table at least three times the live and remembered entries (probes stay short), without expired
   * tombstones. One pass, reading the meta and slot arrays in order and never a record: the size comes from a bound
   * (live, plus the tombstones in the table but at most `memory` of them) rather than a count.
   */
  private rehash(): void {
    const oldMeta = this.meta
    const oldSlots = this.slots
    const bound = this.liveCount + Math.min(this.memory, this.used - this.liveCount)
    let bits = 10
    while (1 << bits < 3 * bound) bits++
    this.allocate(bits)
    let kept = 0
    const meta = this.meta
    const slots = this.slots
    const mask = this.mask
    for (let s = 0; s < oldMeta.length; s += 2) {
      const hash = oldMeta[s]
      const state = oldMeta[s + 1]
      if (hash === 0 || !this.keeps(state)) continue
      let slot = hash & mask
      while (meta[2 * slot] !== 0) slot = (slot + 1) & mask
      meta[2 * slot] = hash
      meta[2 * slot + 1] = state
      slots[slot] = oldSlots[s >> 1]
      kept++
    }
    this.used = kept
    this.endsSinceRehash = 0
  }

  private keeps(state: number): boolean {
    return state === live || this.remembered(state)
  }
}
