import type { ClientErrorCode } from './protocol/codes.ts';

/** Every error the library raises or emits: `code` is stable, `message` says what was wrong. */
export class JsongleError extends Error {
  override name = 'JsongleError';
  constructor(
    readonly code: ClientErrorCode,
    message: string,
    /** Extra facts: the wire `errorCode`, the offending message `id`, the `from` of the peer… */
    readonly detail: { errorCode?: number; id?: string; from?: string; [k: string]: unknown } = {},
  ) {
    super(message);
  }
}

/** Throws `invalid-argument` naming the argument when `ok` is false: the send path's guard. */
export function check(ok: unknown, argument: string, expected: string): asserts ok {
  if (!ok) throw new JsongleError('invalid-argument', `Invalid argument '${argument}': expected ${expected}`, { argument });
}

export const isString = (v: unknown, max = Infinity): v is string => typeof v === 'string' && v.length > 0 && v.length <= max;
export const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
