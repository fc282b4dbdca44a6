// TaskList replaces a Set for the tasks of one state, so a Set is the oracle: the same adds, deletes and moves,
// before and during iteration, give the same order, size and visits.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { type ListNode, TaskList } from '../src/monitor/task-list.js'

interface Node extends ListNode<Node> {
  id: number
}

/** An operation on node `id`: add it (if absent), delete it, or move it to the end (if present). */
const opArb = fc.record({ op: fc.constantFrom('add', 'delete', 'move'), id: fc.nat({ max: 7 }) })

function apply(op: { op: string; id: number }, nodes: Node[], list: TaskList<Node>, set: Set<Node>): void {
  const node = nodes[op.id]
  if (op.op === 'add' && !set.has(node)) {
    set.add(node)
    list.add(node)
  } else if (op.op === 'delete') {
    // A node in no list too: both leave it alone.
    set.delete(node)
    list.delete(node)
  } else if (op.op === 'move' && set.has(node)) {
    set.delete(node)
    set.add(node)
    list.delete(node)
    list.add(node)
  }
}

describe('TaskList', () => {
  it('keeps the order, size and iteration of a Set, changes during iteration included', () => {
    fc.assert(
      fc.property(
        fc.array(opArb, { maxLength: 20 }),
        // Per loop: the operations its body runs at each visit (the k-th visit runs the k-th entry).
        fc.array(fc.array(fc.array(opArb, { maxLength: 3 }), { maxLength: 12 }), { maxLength: 3 }),
        (setup, loops) => {
          const nodes: Node[] = Array.from({ length: 8 }, (_, id) => ({ id, listPrev: null, listNext: null }))
          const list = new TaskList<Node>()
          const set = new Set<Node>()
          for (const op of setup) apply(op, nodes, list, set)
          for (const body of loops) {
            // Both iterated in step, the body changing both the same way: each visit must be the same node.
            const fromSet = set[Symbol.iterator]()
            const fromList = list[Symbol.iterator]()
            for (let k = 0; k < 40; k++) {
              const a = fromSet.next()
              const b = fromList.next()
              expect(b.done).toBe(a.done)
              if (a.done) break
              expect(b.value).toBe(a.value)
              for (const op of body[k] ?? []) apply(op, nodes, list, set)
            }
            fromList.return?.()
            expect([...list]).toEqual([...set])
            expect(list.size).toBe(set.size)
          }
        },
      ),
    )
  })

  it('forgets an iteration left early, so later changes do not touch it', () => {
    const nodes: Node[] = Array.from({ length: 3 }, (_, id) => ({ id, listPrev: null, listNext: null }))
    const list = new TaskList<Node>()
    for (const n of nodes) list.add(n)
    for (const n of list) if (n.id === 0) break
    list.delete(nodes[1])
    expect([...list].map((n) => n.id)).toEqual([0, 2])
    expect((list as unknown as { cursors: unknown[] }).cursors).toEqual([])
  })
})
