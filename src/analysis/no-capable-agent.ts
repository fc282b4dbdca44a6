import type { Finding } from '../model/finding.js'
import { type Analyser, insight, liveAgents, num } from './analyser.js'

/**
 * `no-capable-agent`: queued tasks whose required capabilities no live agent has (`queue.unplaceable`), one
 * insight per missing capability set, naming the capabilities that no agent offers.
 */
export const noCapableAgent: Analyser = (snapshot) => {
  if (snapshot.queue.unplaceable.length === 0) return []
  const offered = new Set(liveAgents(snapshot).flatMap((a) => a.capabilities))
  const groups = new Map<string, { required: string[]; taskIds: string[] }>()
  for (const task of snapshot.queue.unplaceable) {
    const required = [...new Set(task.requiredCapabilities)].sort()
    const key = required.join(',')
    let group = groups.get(key)
    if (!group) groups.set(key, (group = { required, taskIds: [] }))
    group.taskIds.push(task.taskId)
  }
  const findings: Finding[] = []
  for (const [key, { required, taskIds }] of groups) {
    const missing = required.filter((c) => !offered.has(c))
    const shown = taskIds.slice(0, 3).join(', ') + (taskIds.length > 3 ? ` and ${num(taskIds.length - 3)} more` : '')
    findings.push(
      insight({
        kind: 'no-capable-agent',
        severity: 'warning',
        message: `${num(taskIds.length)} queued task${taskIds.length === 1 ? '' : 's'} need [${required.join(', ')}] and no live agent has ${missing.length > 0 ? `[${missing.join(', ')}]` : 'them all'} (${shown})`,
        recommendation: `add an agent with capabilities ${required.join(', ')}, or drop the requirement from ${shown}`,
        value: taskIds.length,
        at: snapshot.at,
        key: `no-capable-agent|${key}`,
      }),
    )
  }
  return findings
}
