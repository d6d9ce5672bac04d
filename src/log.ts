// Levelled logging that formats nothing unless the line will be written.
export const LOG_LEVELS = ['debug', 'info', 'warning', 'error', 'none'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export class Logger {
  #rank = 2;
  constructor(readonly prefix: string, level: LogLevel = 'warning') {
    this.level = level;
  }
  get level(): LogLevel { return LOG_LEVELS[this.#rank]; }
  set level(level: LogLevel) {
    const rank = LOG_LEVELS.indexOf(level);
    if (rank < 0) throw new TypeError(`Invalid log level '${level}': expected ${LOG_LEVELS.join(', ')}`);
    this.#rank = rank;
  }
  /** `line` is a function so that a discarded line costs one comparison, not a template string. */
  log(level: Exclude<LogLevel, 'none'>, line: () => string) {
    const rank = LOG_LEVELS.indexOf(level);
    if (rank >= this.#rank) (globalThis as any).console?.[rank === 2 ? 'warn' : level](`[${this.prefix}] ${line()}`);
  }
}
