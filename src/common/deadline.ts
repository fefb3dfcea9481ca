/** A store or a turn that did not answer within its deadline (the metrics count these apart). */
export class DeadlineExceeded extends Error {
  override readonly name = 'DeadlineExceeded';
}

/** Rejects when `work` takes longer than `ms`: a caller must not wait in silence on a slow store. */
export function withDeadline<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  // One promise and one timer; Promise.race with a timeout promise and a finally would make three more per call.
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new DeadlineExceeded(`${what} took longer than ${ms} ms`)), ms);
    work.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}
