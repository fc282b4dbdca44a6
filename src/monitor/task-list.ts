/** What a list links through: a node is in at most one list at a time (a task is in one state). */
export interface ListNode<T> {
  listPrev: T | null
  listNext: T | null
}

/**
 * Tasks of one state in the order they entered it, linked through fields of the tasks themselves. A Set would do
 * the same, but a Set whose size swings between 0 and a few (every task passes through `unassigned` and
 * `assigned` on its way to running) reallocates its table on most add/delete pairs: about 120 bytes per pair,
 * 240 per task, the bulk of what ingest allocated. Adding and deleting here allocate nothing.
 *
 * Iteration behaves as a Set's does while the loop body changes the list: a node deleted before it is reached is
 * not visited, a node added (or deleted and added again) during the loop is visited at its new place at the end.
 */
export class TaskList<T extends ListNode<T>> implements Iterable<T> {
  private head: T | null = null
  private tail: T | null = null
  private count = 0
  /** Open iterations, by the node each visits next (kept in step when that node is deleted). */
  private readonly cursors: Array<{ next: T | null }> = []

  get size(): number {
    return this.count
  }

  /** Appends `node`, which must not be in any list. */
  add(node: T): void {
    node.listPrev = this.tail
    node.listNext = null
    if (this.tail) this.tail.listNext = node
    else this.head = node
    this.tail = node
    this.count++
    // An iteration that had run off the end goes on with the new node, as a Set's does.
    for (const cursor of this.cursors) if (cursor.next === null) cursor.next = node
  }

  /** Unlinks `node` (in this list, or in none: then nothing happens, as with Set.delete). */
  delete(node: T): void {
    const { listPrev: prev, listNext: next } = node
    // Only the head has no predecessor: without this, deleting an unlinked node would empty the list.
    if (prev === null && this.head !== node) return
    if (prev) prev.listNext = next
    else this.head = next
    if (next) next.listPrev = prev
    else this.tail = prev
    node.listPrev = null
    node.listNext = null
    this.count--
    for (const cursor of this.cursors) if (cursor.next === node) cursor.next = next
  }

  *[Symbol.iterator](): Iterator<T> {
    const cursor = { next: this.head }
    this.cursors.push(cursor)
    try {
      while (cursor.next !== null) {
        const node = cursor.next
        // Step on before handing the node out: the body may delete it or move it to the end.
        cursor.next = node.listNext
        yield node
      }
    } finally {
      this.cursors.splice(this.cursors.indexOf(cursor), 1)
    }
  }
}
