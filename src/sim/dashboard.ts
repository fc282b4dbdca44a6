import type { SwarmSession } from '../model/session.js'
import { startSwarmServer } from '../server/swarm-server.js'

export interface StartedServer {
  url: string
  close(): Promise<void>
}

/** The dashboard and /metrics for a session, on 127.0.0.1: the given port, or any free one when it is taken. */
export async function startDashboard(session: SwarmSession, port: number): Promise<StartedServer> {
  try {
    return await startSwarmServer(session, { host: '127.0.0.1', port })
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE' || port === 0) throw error
    return await startSwarmServer(session, { host: '127.0.0.1', port: 0 })
  }
}
