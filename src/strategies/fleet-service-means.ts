import type { AgentSnapshot } from '../model/snapshot.js'

/**
 * The middle of a list of service-time means: what the median of the list with any one of its members left out
 * can be. Leaving one member out of n shifts the median by at most one place, so the three order statistics around
 * the middle answer every agent's question, and they are found by selection in linear time: sorting the fleet's
 * means per kind every tick (what this replaced) took about 0.8 ms per 10,000 means in V8, 4 ms a tick.
 */
export interface MiddleOf {
  /** Members of the list. */
  n: number
  /** The (m-1)th, mth and (m+1)th smallest with m = (n - 1) >> 1 (NaN where the list is too short). */
  below: number
  at: number
  above: number
}

/**
 * What the rebalancer's evacuation check reads of each agent, kept by the agent's place in `snapshot.agents` and
 * read again only from entries that are not the ones seen at that place last time. Most entries are handed on
 * unchanged from tick to tick, and reading every one's `byKind` afresh (the entry, its `byKind` object and a stats
 * object per kind, each in its own cache lines) took most of the check on a 10,000-agent fleet. Entries are
 * immutable once a snapshot is emitted (the snapshot's contract): one changed in place would not be read again.
 */
export class FleetServiceMeans {
  private seen: Array<AgentSnapshot | undefined> = []
  private n = 0
  private live = new Uint8Array(0)
  private completed = new Float64Array(0)
  private failed = new Float64Array(0)
  private rate = new Float64Array(0)
  /** The agent's overall mean, NaN without one (or without a completion: not a measured speed). */
  private overallMean = new Float64Array(0)
  /** Per agent, `stride` places: the kinds it completed with a mean, in its `byKind` order (sums keep that order). */
  private stride = 1
  private kindCount = new Int32Array(0)
  private kindIds = new Int32Array(0)
  private kindCompleted = new Float64Array(0)
  private kindMean = new Float64Array(0)
  private readonly kindIdOf = new Map<string, number>()
  private middles: MiddleOf[] = []
  private overall: MiddleOf = middleOf(new Float64Array(0))
  private scratch = new Float64Array(0)

  /** Read the fleet: each entry not seen at its place last time, then the middle of each list of live means. */
  update(agents: readonly AgentSnapshot[]): void {
    const n = agents.length
    if (n > this.live.length) this.resize(Math.max(n, 2 * this.live.length), this.stride)
    this.n = n
    for (let i = 0; i < n; i++) if (agents[i] !== this.seen[i]) this.read(i, agents[i])
    this.seen.length = n // no entries of agents past the end kept alive
    this.summarise()
  }

  /** Whether the agent at place `i` (of the last update) is live, not 'left'. */
  isLive(i: number): boolean {
    return this.live[i] === 1
  }

  finishedAt(i: number): number {
    return this.completed[i] + this.failed[i]
  }

  successRateAt(i: number): number {
    return this.rate[i]
  }

  /**
   * Service time of the live agent at place `i` relative to the rest of the live fleet, over the kinds it has
   * completed: the sum of its kind means weighted by its completions, over the same sum with the median of the
   * other agents' means for each kind. Falls back to overall means when no kind is shared. Null with fewer than
   * `minSamples` completions, or for an agent that left.
   */
  slownessAt(i: number, minSamples: number): number | null {
    // A departed agent is in no list: the median of the rest would leave out someone else.
    if (this.live[i] === 0 || this.completed[i] < minSamples) return null
    let own = 0
    let reference = 0
    let samples = 0
    for (let p = i * this.stride, end = p + this.kindCount[i]; p < end; p++) {
      const mean = this.kindMean[p]
      const ref = medianWithout(this.middles[this.kindIds[p]], mean)
      if (ref === null) continue
      own += this.kindCompleted[p] * mean
      reference += this.kindCompleted[p] * ref
      samples += this.kindCompleted[p]
    }
    if (samples >= minSamples && reference > 0) return own / reference
    const mean = this.overallMean[i]
    if (Number.isNaN(mean)) return null
    const ref = medianWithout(this.overall, mean)
    return ref !== null && ref > 0 ? mean / ref : null
  }

  private read(i: number, agent: AgentSnapshot): void {
    this.seen[i] = agent
    this.live[i] = agent.state === 'left' ? 0 : 1
    this.completed[i] = agent.tasksCompleted
    this.failed[i] = agent.tasksFailed
    this.rate[i] = agent.successRate
    const mean = agent.serviceMs.mean
    this.overallMean[i] = mean !== null && agent.tasksCompleted > 0 ? mean : Number.NaN
    let count = 0
    const byKind = agent.byKind
    for (const kind in byKind) {
      const stats = byKind[kind]
      if (stats.completed === 0 || stats.meanServiceMs === null) continue
      if (count === this.stride) {
        this.kindCount[i] = count
        this.resize(this.live.length, 2 * this.stride)
      }
      let id = this.kindIdOf.get(kind)
      if (id === undefined) {
        id = this.kindIdOf.size
        this.kindIdOf.set(kind, id)
      }
      const p = i * this.stride + count++
      this.kindIds[p] = id
      this.kindCompleted[p] = stats.completed
      this.kindMean[p] = stats.meanServiceMs
    }
    this.kindCount[i] = count
  }

  /** The middle of each kind's list of live means, and of the overall list, each a range of one scratch array. */
  private summarise(): void {
    const n = this.n
    const kinds = this.kindIdOf.size
    const starts = new Int32Array(kinds + 1)
    for (let i = 0; i < n; i++) {
      if (this.live[i] === 0) continue
      for (let p = i * this.stride, end = p + this.kindCount[i]; p < end; p++) starts[this.kindIds[p] + 1]++
    }
    for (let k = 0; k < kinds; k++) starts[k + 1] += starts[k]
    if (this.scratch.length < Math.max(starts[kinds], n)) this.scratch = new Float64Array(Math.max(starts[kinds], n))
    const scratch = this.scratch
    const next = starts.slice(0, kinds)
    for (let i = 0; i < n; i++) {
      if (this.live[i] === 0) continue
      for (let p = i * this.stride, end = p + this.kindCount[i]; p < end; p++) {
        scratch[next[this.kindIds[p]]++] = this.kindMean[p]
      }
    }
    this.middles = []
    for (let k = 0; k < kinds; k++) this.middles.push(middleOf(scratch.subarray(starts[k], starts[k + 1])))
    let count = 0
    for (let i = 0; i < n; i++) {
      if (this.live[i] === 1 && !Number.isNaN(this.overallMean[i])) scratch[count++] = this.overallMean[i]
    }
    this.overall = middleOf(scratch.subarray(0, count))
  }

  /** Room for `places` agents of `stride` kinds each, keeping what is there. */
  private resize(places: number, stride: number): void {
    const grown = <A extends Float64Array | Uint8Array | Int32Array>(from: A, to: A): A => {
      to.set(from)
      return to
    }
    this.live = grown(this.live, new Uint8Array(places))
    this.completed = grown(this.completed, new Float64Array(places))
    this.failed = grown(this.failed, new Float64Array(places))
    this.rate = grown(this.rate, new Float64Array(places))
    this.overallMean = grown(this.overallMean, new Float64Array(places))
    const old = { stride: this.stride, ids: this.kindIds, completed: this.kindCompleted, mean: this.kindMean }
    this.kindCount = grown(this.kindCount, new Int32Array(places))
    this.stride = stride
    this.kindIds = new Int32Array(places * stride)
    this.kindCompleted = new Float64Array(places * stride)
    this.kindMean = new Float64Array(places * stride)
    for (let i = 0; i < old.ids.length / old.stride; i++) {
      for (let c = 0; c < this.kindCount[i]; c++) {
        this.kindIds[i * stride + c] = old.ids[i * old.stride + c]
        this.kindCompleted[i * stride + c] = old.completed[i * old.stride + c]
        this.kindMean[i * stride + c] = old.mean[i * old.stride + c]
      }
    }
  }
}

/** The three order statistics around the middle of `values` (reordered in place). */
export function middleOf(values: Float64Array): MiddleOf {
  const n = values.length
  const m = (n - 1) >> 1
  if (n === 0) return { n, below: Number.NaN, at: Number.NaN, above: Number.NaN }
  // After selecting the mth smallest, everything past it is at least it: the next one up is their minimum.
  select(values, m)
  let above = Number.POSITIVE_INFINITY
  for (let i = m + 1; i < n; i++) if (values[i] < above) above = values[i]
  let below = Number.NEGATIVE_INFINITY
  for (let i = 0; i < m; i++) if (values[i] > below) below = values[i]
  return { n, below: m > 0 ? below : Number.NaN, at: values[m], above: m + 1 < n ? above : Number.NaN }
}

/**
 * The median of the list with one occurrence of `own` left out. `own` must be a member (each agent's own mean is
 * in the fleet's list it is compared with). In sorted order S, with one occurrence of own left out, the jth value
 * is S[j + 1] when S[j] >= own (own's first occurrence is at or before j) and S[j] otherwise.
 */
export function medianWithout(middle: MiddleOf | undefined, own: number): number | null {
  if (!middle || middle.n <= 1) return null
  const rest = middle.n - 1
  if (rest % 2 === 1) return middle.at >= own ? middle.above : middle.at
  // rest is even and at least 2 (n odd, m >= 1): the values at places m - 1 and m of what is left.
  const lower = middle.below >= own ? middle.at : middle.below
  const upper = middle.at >= own ? middle.above : middle.at
  return (lower + upper) / 2
}

/** Rearranges `values` so the kth smallest is at k, none larger before it and none smaller after (Hoare). */
function select(values: Float64Array, k: number): void {
  let lo = 0
  let hi = values.length - 1
  while (hi > lo) {
    // Median of three as the pivot: sorted or nearly sorted input (common: agents joined in order) stays linear.
    const mid = (lo + hi) >>> 1
    const a = values[lo]
    const b = values[mid]
    const c = values[hi]
    const pivot = Math.max(Math.min(a, b), Math.min(Math.max(a, b), c))
    let i = lo
    let j = hi
    while (i <= j) {
      while (values[i] < pivot) i++
      while (values[j] > pivot) j--
      if (i <= j) {
        const t = values[i]
        values[i] = values[j]
        values[j] = t
        i++
        j--
      }
    }
    if (k <= j) hi = j
    else if (k >= i) lo = i
    else return
  }
}
