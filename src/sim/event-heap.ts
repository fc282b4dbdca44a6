/** A binary min-heap of timed entries, ordered by time then by insertion, so equal times replay in a fixed order. */
export class EventHeap<T> {
  private readonly times: number[] = []
  private readonly seqs: number[] = []
  private readonly items: T[] = []
  private seq = 0

  get size(): number {
    return this.items.length
  }

  peekTime(): number {
    return this.items.length > 0 ? this.times[0] : Number.POSITIVE_INFINITY
  }

  push(at: number, item: T): void {
    let i = this.items.length
    this.times.push(at)
    this.seqs.push(this.seq)
    this.items.push(item)
    const seq = this.seq++
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (this.before(parent, at, seq)) break
      this.move(parent, i)
      i = parent
    }
    this.times[i] = at
    this.seqs[i] = seq
    this.items[i] = item
  }

  pop(): T | undefined {
    const n = this.items.length
    if (n === 0) return undefined
    const top = this.items[0]
    const lastTime = this.times.pop()!
    const lastSeq = this.seqs.pop()!
    const lastItem = this.items.pop()!
    if (n > 1) {
      let i = 0
      const size = n - 1
      for (;;) {
        const left = 2 * i + 1
        if (left >= size) break
        const right = left + 1
        const child = right < size && this.before(right, this.times[left], this.seqs[left]) ? right : left
        if (this.before(child, lastTime, lastSeq)) {
          this.move(child, i)
          i = child
        } else break
      }
      this.times[i] = lastTime
      this.seqs[i] = lastSeq
      this.items[i] = lastItem
    }
    return top
  }

  /** Whether the entry at index i comes before (at, seq). */
  private before(i: number, at: number, seq: number): boolean {
    return this.times[i] < at || (this.times[i] === at && this.seqs[i] < seq)
  }

  private move(from: number, to: number): void {
    this.times[to] = this.times[from]
    this.seqs[to] = this.seqs[from]
    this.items[to] = this.items[from]
  }
}
