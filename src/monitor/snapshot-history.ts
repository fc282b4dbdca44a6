import { type SwarmSnapshot, withoutAgents } from '../model/snapshot.js'

/**
 * A bounded run of snapshots, oldest first, bounded twice: by count, and by the per-agent entries the kept
 * snapshots hold. The second bound is what keeps memory in check on large fleets. An entry costs about a kilobyte,
 * and when every agent has new samples every tick each snapshot holds `agents` new ones: 600 snapshots of 10,000
 * agents would be 6 GB, past Node's heap limit. Past the entry budget the oldest snapshots are kept thin: every
 * swarm, kind, queue and finding figure, with `agents` empty and `agentsOmitted` set.
 *
 * Entries an agent's snapshot hands on unchanged (the same object in consecutive snapshots) are counted once.
 * The newest snapshot is never thinned, so a reader that follows the latest two (the analysis) always finds the
 * agents of the one before.
 */
export class SnapshotHistory {
  private readonly ring: SwarmSnapshot[] = []
  /** Per kept snapshot, the entries it holds that the snapshot before it does not (its new objects). */
  private readonly fresh: number[] = []
  /** Index in `ring` of the oldest snapshot that still has its agents. */
  private firstFull = 0
  /** Entries the full snapshots hold: all of the oldest full one's, plus the fresh ones of those after it. */
  private entries = 0

  constructor(
    readonly maxSnapshots: number,
    readonly maxAgentEntries: number,
  ) {}

  /** The kept snapshots, oldest first (a live view: copy it to keep it past the next push). */
  get snapshots(): readonly SwarmSnapshot[] {
    return this.ring
  }

  /** Per-agent entries held by the kept snapshots, counted as the budget counts them. */
  get agentEntries(): number {
    return this.entries
  }

  push(snapshot: SwarmSnapshot): void {
    const previous = this.ring[this.ring.length - 1]
    const fresh = previous?.agents.length ? freshEntries(previous, snapshot) : snapshot.agents.length
    this.ring.push(snapshot)
    this.fresh.push(fresh)
    this.entries += this.ring.length - 1 === this.firstFull ? snapshot.agents.length : fresh
    while (this.ring.length > this.maxSnapshots) this.dropOldest()
    while (this.entries > this.maxAgentEntries && this.firstFull < this.ring.length - 1) this.thinOldest()
  }

  private dropOldest(): void {
    if (this.firstFull > 0) {
      this.firstFull--
    } else {
      // The oldest full snapshot goes: the next one now holds all of its entries alone.
      const gone = this.ring[0].agents.length
      const next = this.ring[1]
      this.entries += next ? next.agents.length - this.fresh[1] - gone : -gone
    }
    this.ring.shift()
    this.fresh.shift()
  }

  private thinOldest(): void {
    const i = this.firstFull
    const snapshot = this.ring[i]
    this.ring[i] = withoutAgents(snapshot)
    this.entries += this.ring[i + 1].agents.length - this.fresh[i + 1] - snapshot.agents.length
    this.firstFull++
  }
}

/** Entries of `next` that are not the very object `previous` had at the same place (handed on unchanged). */
function freshEntries(previous: SwarmSnapshot, next: SwarmSnapshot): number {
  const a = previous.agents
  const b = next.agents
  let fresh = 0
  for (let i = 0; i < b.length; i++) if (b[i] !== a[i]) fresh++
  return fresh
}
