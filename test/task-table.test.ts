// TaskTable replaces a Map of live tasks and tombstones with a ring that forgot the oldest ending, so a plain Map
// and a count of endings are the oracle: after any run of stores, endings and look-ups, each id reads the same.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { type TaskEnd, TaskTable } from '../src/monitor/task-table.js'

interface Rec {
  id: string
}

type Model = Map<string, Rec | { how: TaskEnd; seq: number }>

/** Ids from a few names (so ids end and come back), some long or outside ASCII, built anew for every use. */
const names = ['a', 'b', 'task-1', 'task-10', 'tâche-é', '🦀', 'x'.repeat(70), 'task-2']
const opArb = fc.record({
  op: fc.constantFrom('set', 'set', 'end', 'get'),
  name: fc.nat({ max: names.length - 1 }),
  how: fc.constantFrom<TaskEnd>('completed', 'failed', 'cancelled'),
})

function expected(model: Model, ended: number, memory: number, id: string): Rec | TaskEnd | undefined {
  const entry = model.get(id)
  if (entry === undefined || !('how' in entry)) return entry
  return ended - entry.seq <= memory ? entry.how : undefined
}

describe('TaskTable', () => {
  it('reads as a Map of live records and of the last `memory` endings (property)', () => {
    fc.assert(
      fc.property(
        fc.array(opArb, { maxLength: 300 }),
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 0, max: 3 }),
        // Sequence numbers that wrap within a run (2^3 and up, the table rehashing every 2^(bits-2) endings), and a
        // hash with three values, so nearly every id collides with another: equality must come from the ids.
        fc.option(fc.integer({ min: 5, max: 8 }), { nil: undefined }),
        fc.boolean(),
        (ops, wanted, initialBits, seqBits, collide) => {
          const memory = Math.min(wanted, seqBits === undefined ? wanted : 2 ** (seqBits - 2))
          const hash = collide ? (id: string) => (id.length % 3) * 2 + 1 : undefined
          const table = new TaskTable<Rec>(memory, { initialBits, seqBits, hash })
          const model: Model = new Map()
          let ended = 0
          for (const { op, name, how } of ops) {
            // A fresh string each time: equal ids need not be the same string object.
            const id = [...names[name]].join('')
            const now = expected(model, ended, memory, id)
            if (op === 'set' && (now === undefined || typeof now === 'string')) {
              const record = { id }
              table.set(id, record)
              model.set(id, record)
            } else if (op === 'end' && typeof now === 'object') {
              table.end(id, how)
              model.set(id, { how, seq: ended++ })
            }
            for (const other of names) expect(table.get(other)).toBe(expected(model, ended, memory, other))
          }
          const live = [...model.values()].filter((e) => !('how' in e))
          expect(table.size).toBe(live.length)
          expect(new Set(table.values())).toEqual(new Set(live))
        },
      ),
      { numRuns: 500 },
    )
  })

  it('forgets as many endings as it remembers through 1,000 wraps of its sequence numbers', () => {
    // 2^4 sequence numbers, a rehash every 4 endings, 4 remembered; 3 ids live at any time.
    const table = new TaskTable<Rec>(4, { initialBits: 1, seqBits: 4 })
    for (let i = 0; i < 16_000; i++) {
      table.set(`t${i}`, { id: `t${i}` })
      if (i >= 3) table.end(`t${i - 3}`, 'completed')
      if (i < 8) continue
      // The last four ended (i - 6 .. i - 3) are remembered, the one before is not, the last three are live.
      expect(table.get(`t${i - 7}`)).toBeUndefined()
      for (let k = i - 6; k <= i - 3; k++) expect(table.get(`t${k}`)).toBe('completed')
      for (let k = i - 2; k <= i; k++) expect(table.get(`t${k}`)).toEqual({ id: `t${k}` })
    }
    expect(table.size).toBe(3)
  })

  it('does not bring back an ending left in a quiet table once its sequence number wraps', () => {
    // A large table that never fills: only the periodic rehash drops the expired tombstone before its age wraps.
    const table = new TaskTable<Rec>(4, { initialBits: 10, seqBits: 4 })
    table.set('old', { id: 'old' })
    table.end('old', 'failed')
    for (let k = 1; k <= 40; k++) {
      table.set(`t${k}`, { id: `t${k}` })
      table.end(`t${k}`, 'completed')
      expect(table.get('old')).toBe(k < 4 ? 'failed' : undefined)
    }
  })

  it('holds a large fleet of ids through growth and forgets endings past its memory', () => {
    const table = new TaskTable<Rec>(1000)
    for (let i = 0; i < 50_000; i++) table.set(`task-${i}`, { id: `task-${i}` })
    for (let i = 0; i < 40_000; i++) table.end(`task-${i}`, i % 2 ? 'failed' : 'completed')
    expect(table.size).toBe(10_000)
    // Task i ended as the i-th ending; of 40,000 endings the last 1,000 (39,000 and up) are remembered.
    expect(table.get('task-38999')).toBeUndefined()
    expect(table.get('task-39000')).toBe('completed')
    expect(table.get('task-39999')).toBe('failed')
    expect(table.get('task-40000')).toEqual({ id: 'task-40000' })
    expect(table.get('task-50000')).toBeUndefined()
    // A forgotten id can be stored again; a remembered one too (a retry).
    table.set('task-0', { id: 'task-0' })
    table.set('task-39999', { id: 'task-39999' })
    expect(table.size).toBe(10_002)
  })

  it('refuses to store an id that is live, or to end one that is not', () => {
    const table = new TaskTable<Rec>(10)
    table.set('t', { id: 't' })
    expect(() => table.set('t', { id: 't' })).toThrow(/already live/)
    table.end('t', 'completed')
    expect(() => table.end('t', 'completed')).toThrow(/not live/)
    expect(() => table.end('never', 'failed')).toThrow(/not live/)
    expect(() => new TaskTable(0)).toThrow(RangeError)
    expect(() => new TaskTable(5, { seqBits: 4 })).toThrow(/memory must be a whole number in 1..4/)
    expect(() => new TaskTable(1, { seqBits: 29 })).toThrow(/seqBits/)
  })
})
