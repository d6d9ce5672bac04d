// Retention: a periodic job deletes stored entries older than JSONGLE_HISTORY_DAYS and beyond
// JSONGLE_HISTORY_MAX_PER_CONVERSATION. Each run deletes a bounded number, so it never holds the
// store (and, with SQLite, the event loop) for long; a backlog is worked off run after run.
import type { Context } from './context.ts';

const DAY = 86_400_000;
/** Entries deleted per run at most. */
export const RETENTION_BATCH = 2000;

export function startRetention(ctx: Context, interval = 60_000) {
  let running = false;
  const run = async () => {
    if (running) return;
    running = true;
    try {
      const n = await ctx.store.expire({
        olderThan: Date.now() - ctx.config.historyDays * DAY,
        maxPerConversation: ctx.config.historyMaxPerConversation,
        limit: RETENTION_BATCH,
      });
      if (n) ctx.log.log('debug', () => `retention deleted ${n} stored entries`);
    } catch (e) {
      ctx.log.log('error', () => `retention failed: ${(e as Error)?.message ?? e}`);
    } finally {
      running = false;
    }
  };
  const timer = setInterval(run, interval);
  timer.unref();
  return { stop: () => clearInterval(timer), run };
}
