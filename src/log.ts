// Levelled logging that formats nothing unless the line will be written.
export const LOG_LEVELS = ['debug', 'info', 'warning', 'error', 'none'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const SINKS = { debug: 'debug', info: 'info', warning: 'warn', error: 'error' } as const;

export class Logger {
  #rank = 2;
  constructor(readonly prefix: string, level: LogLevel = 'warning') {
    this.level = level;
  }
  get level(): LogLevel { return LOG_LEVELS[this.#rank]; }
  set level(level: LogLevel) {
    const rank = LOG_LEVELS.indexOf(level);
    if (rank < 0) throw new TypeError(`Invalid log level '${String(level)}': expected one of ${LOG_LEVELS.join(', ')}`);
    this.#rank = rank;
  }
  enabled(level: Exclude<LogLevel, 'none'>) { return LOG_LEVELS.indexOf(level) >= this.#rank; }
  /** `line` is a function so that a discarded line costs one comparison, not a template string. */
  log(level: Exclude<LogLevel, 'none'>, line: () => string) {
    if (this.enabled(level)) (globalThis as any).console?.[SINKS[level]](`[${this.prefix}] ${line()}`);
  }
}
