/** Captures log lines (message and context) so tests can assert on what operators would see. */
export class CapturingLogger {
  readonly lines: string[] = [];
  log(message: unknown, context?: string): void {
    this.lines.push(`log [${context}] ${String(message)}`);
  }
  warn(message: unknown, context?: string): void {
    this.lines.push(`warn [${context}] ${String(message)}`);
  }
  error(message: unknown, context?: string): void {
    this.lines.push(`error [${context}] ${String(message)}`);
  }
  debug(): void {}
  verbose(): void {}
  fatal(message: unknown, context?: string): void {
    this.lines.push(`fatal [${context}] ${String(message)}`);
  }
}
