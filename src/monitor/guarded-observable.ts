import { Observable, type Observer, Subscriber, type Subscription } from 'rxjs'

type ErrorSink = (error: unknown, output: string) => void

/**
 * An output stream whose subscribers cannot hurt the monitor: a subscriber callback that throws is caught and
 * reported (the session puts it on errors$); the other subscribers still get the value and ingest goes on.
 * Without this, RxJS rethrows a subscriber's error from a timer, which ends a Node process.
 *
 * Callbacks are wrapped before RxJS sees them. Operator chains (`pipe`) subscribe with their own Subscriber,
 * which already turns a throwing operator into an error notification, so those pass through untouched.
 */
export class GuardedObservable<T> extends Observable<T> {
  constructor(
    inner: Observable<T>,
    private readonly output: string,
    private readonly onError: ErrorSink,
  ) {
    super((subscriber) => inner.subscribe(subscriber))
  }

  override subscribe(
    observerOrNext?: Partial<Observer<T>> | ((value: T) => void) | null,
    error?: ((error: unknown) => void) | null,
    complete?: (() => void) | null,
  ): Subscription {
    if (observerOrNext instanceof Subscriber) return super.subscribe(observerOrNext)
    const protect = <A extends unknown[]>(fn: ((...args: A) => void) | null | undefined, self?: unknown) =>
      fn
        ? (...args: A) => {
            try {
              fn.apply(self, args)
            } catch (thrown) {
              this.onError(thrown, this.output)
            }
          }
        : undefined
    if (typeof observerOrNext === 'function' || observerOrNext == null) {
      return super.subscribe({
        next: protect(observerOrNext ?? undefined),
        error: protect(error) ?? (() => {}),
        complete: protect(complete),
      })
    }
    return super.subscribe({
      next: protect(observerOrNext.next, observerOrNext),
      // Our outputs never error; a subscriber without an error handler must not turn one into a process crash.
      error: protect(observerOrNext.error, observerOrNext) ?? (() => {}),
      complete: protect(observerOrNext.complete, observerOrNext),
    })
  }
}
