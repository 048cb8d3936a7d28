/**
 * Calls waiting for a sandbox worker, kept per owner (a run) so that the pool is shared fairly:
 * when a worker comes free it goes to the owner with the fewest calls running, and among those to
 * the one whose next call has waited longest. One run with many busy steps therefore cannot keep
 * every worker while another run waits; it only has them all while nobody else is waiting (a
 * running call is never pre-empted).
 */
export class FairQueue<Job> {
  /** Waiting calls per owner, oldest first, each with its arrival number. */
  readonly #waiting = new Map<string, Array<{ job: Job; arrival: number }>>();
  /** Calls on a worker now, per owner. */
  readonly #running = new Map<string, number>();
  #arrivals = 0;
  #size = 0;

  get size(): number {
    return this.#size;
  }

  push(owner: string, job: Job): void {
    let list = this.#waiting.get(owner);
    if (list === undefined) {
      list = [];
      this.#waiting.set(owner, list);
    }
    list.push({ job, arrival: this.#arrivals++ });
    this.#size++;
  }

  /** Removes a call that stopped waiting (cancelled); false if it was not waiting. */
  remove(owner: string, job: Job): boolean {
    const list = this.#waiting.get(owner);
    const index = list?.findIndex((entry) => entry.job === job) ?? -1;
    if (list === undefined || index < 0) return false;
    list.splice(index, 1);
    if (list.length === 0) this.#waiting.delete(owner);
    this.#size--;
    return true;
  }

  /** Takes the call that should have the next free worker, and counts it as running for its owner. */
  next(): { owner: string; job: Job } | undefined {
    let chosen: string | undefined;
    let chosenRunning = Infinity;
    let chosenArrival = Infinity;
    for (const [owner, list] of this.#waiting) {
      const running = this.#running.get(owner) ?? 0;
      const arrival = list[0]!.arrival;
      if (running < chosenRunning || (running === chosenRunning && arrival < chosenArrival)) {
        chosen = owner;
        chosenRunning = running;
        chosenArrival = arrival;
      }
    }
    if (chosen === undefined) return undefined;
    const list = this.#waiting.get(chosen)!;
    const { job } = list.shift()!;
    if (list.length === 0) this.#waiting.delete(chosen);
    this.#size--;
    this.#running.set(chosen, chosenRunning + 1);
    return { owner: chosen, job };
  }

  /** A call taken with {@link next} has left its worker. */
  finished(owner: string): void {
    const running = (this.#running.get(owner) ?? 1) - 1;
    if (running > 0) this.#running.set(owner, running);
    else this.#running.delete(owner);
  }

  /** Empties the queue, returning every waiting call. */
  drain(): Job[] {
    const jobs = [...this.#waiting.values()].flatMap((list) => list.map((entry) => entry.job));
    this.#waiting.clear();
    this.#size = 0;
    return jobs;
  }
}
