/**
 * One loop for everything in the background: due reminders, NotificationIssued records to append
 * to the event store, then due deliveries. Only the active instance (the holder of the sending
 * lease, see main.ts) sends; a standby does the rest, and instead of sending follows the event
 * store: its deliveries that the active one settled are settled here too, so that a take-over
 * has little left to check (`DeliveryWorker.followTrail`). It runs every
 * `intervalMs`, and at once when kicked (new deliveries queued). Ticks never overlap; a tick that
 * fails is logged and the next one tries again. Tests call `tick()` directly with their clock.
 */
import type { Logger } from 'pino';
import type { DeliveryWorker } from './delivery/worker.js';
import type { Notifier } from './notifier.js';

export class Scheduler {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = true;

  constructor(
    private readonly notifier: Notifier, private readonly worker: DeliveryWorker, private readonly intervalMs: number, private readonly logger?: Logger,
    /** Whether this instance sends (holds the sending lease); default: always (one instance). */
    private readonly active: () => boolean = () => true,
  ) {}

  /** One pass: reminders due now, NotificationIssued records to append, then deliveries due now (as a standby: their trails). */
  async tick(): Promise<{ reminders: number; deliveries: number }> {
    const reminders = await this.notifier.fireDueReminders();
    await this.notifier.recordIssued();
    if (!this.active()) return { reminders, deliveries: await this.worker.followTrail() };
    let deliveries = 0;
    // Keep going while there is work due (a large backlog, retries that fell due meanwhile).
    for (let n = await this.worker.runDue(); n > 0; n = await this.worker.runDue()) deliveries += n;
    return { reminders, deliveries };
  }

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  /** Runs a tick soon (after the current one, if one is running). */
  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private schedule(delay: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => { void this.run(); }, delay);
    this.timer.unref();
  }

  private async run(): Promise<void> {
    if (this.running || this.stopped) return;
    this.running = this.tick().then(() => undefined, (error: unknown) => { this.logger?.error({ err: error }, 'scheduler tick failed'); });
    await this.running;
    this.running = undefined;
    if (this.stopped) return;
    const rerun = this.again;
    this.again = false;
    this.schedule(rerun ? 0 : this.intervalMs);
  }
}
