import type { Observable } from 'rxjs'
import type { HostAdapter } from '../model/host-adapter.js'
import type { Reassignment } from '../model/reassignment.js'

/**
 * The native form: a host that already speaks SwarmEvents as an RxJS Observable. `apply`, when given, is how the
 * host takes a reassignment; it answers on the same stream with `reassignment:applied` or `reassignment:refused`.
 */
export function fromObservable(
  events$: Observable<unknown>,
  apply?: (reassignment: Reassignment) => void | Promise<void>,
): HostAdapter {
  return apply ? { name: 'observable', events$, apply } : { name: 'observable', events$ }
}
