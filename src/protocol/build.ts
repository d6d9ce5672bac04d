// Builders for every message the client sends, in exactly the shapes of PROTOCOL-NOTES.md.
import { v4 as uuid } from 'uuid';
import {
  ACTION, EVENT, type AckType, type Body, type CallAction, type CallDescription, type EventBody,
  type IqAction, type JsongleMessage, type Metrics,
} from './messages.ts';

export const now = () => new Date().toISOString();
export { uuid };

export const envelope = <J extends Body>(from: string, to: string, jsongle: J): JsongleMessage<J> =>
  ({ id: uuid(), from, to, jsongle });

export interface CallRef { id: string; caller: string; callee: string }

/** A call message; `reason` is "" for every action but `session-info` (and `busy` declines). */
export const callMessage = (from: string, to: string, call: CallRef, action: CallAction, description: CallDescription, reason = '') =>
  envelope(from, to, { sid: call.id, action, reason, initiator: call.caller, responder: call.callee, description });

export const textMessage = (from: string, to: string, muc: boolean, content: string, additionalContent?: unknown) =>
  envelope(from, to, {
    action: ACTION.TEXT, namespace: muc ? 'muc' : 'message',
    description: additionalContent === undefined ? { sent: now(), content } : { sent: now(), content, additionalContent },
  });

export const customMessage = (from: string, to: string, muc: boolean, content: unknown) =>
  envelope(from, to, { action: ACTION.CUSTOM, namespace: muc ? 'muc' : 'message', description: { sent: now(), content } });

export const eventMessage = (from: string, to: string, namespace: string, event: string, description: EventBody['description']) =>
  envelope(from, to, { action: ACTION.EVENT, namespace, event, description });

export const ackEvent = (from: string, to: string, muc: boolean, mid: string, type: AckType) =>
  eventMessage(from, to, muc ? 'muc' : 'message', EVENT.ACK, { acknowledged: now(), mid, type });

export const iqMessage = (from: string, to: string, action: IqAction, query: string, transaction: string, description: Record<string, unknown>) =>
  envelope(from, to, { action, query, transaction, description });

export const ackMessage = (from: string, to: string, transaction: string, status: 'success' | 'failed' | 'pending') =>
  envelope(from, to, { action: ACTION.ACK, status, transaction });

/** `mid`: the id of the message refused, when the error is about one. */
export const errorMessage = (from: string, to: string, errorCode: number, errorDetails: string, mid?: string) =>
  envelope(from, to, { action: ACTION.ERROR, description: mid === undefined ? { errorCode, errorDetails } : { errorCode, errorDetails, mid } });

export const metricsMessage = (from: string, to: string, sid: string, metrics: Metrics) =>
  envelope(from, to, { sid, action: ACTION.METRICS, namespace: 'call', description: { ...metrics, issuedAt: now() } });
