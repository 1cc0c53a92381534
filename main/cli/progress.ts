/** A one-line progress bar redrawn in place on a terminal; silent when output is not a TTY. */
export class ProgressLine {
  private drawn = false;

  constructor(private readonly enabled: boolean, private readonly width = 28) {}

  update(fraction: number, text: string): void {
    if (!this.enabled) return;
    const filled = Math.round(Math.max(0, Math.min(1, fraction)) * this.width);
    const bar = '█'.repeat(filled) + '░'.repeat(this.width - filled);
    process.stdout.write(`\r${bar} ${text}\x1b[K`);
    this.drawn = true;
  }

  clear(): void {
    if (this.drawn) process.stdout.write('\r\x1b[K');
    this.drawn = false;
  }
}
