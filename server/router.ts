// Dispatch of one valid message by who it is for and what it is. Returns a promise only when a
// handler had to wait (registry operations), so that the connection holds its next messages.
import { ERROR_CODE } from '../src/protocol/codes.ts';
import { ACTION, isCallAction, type CallBody, type IqBody, type JsongleMessage } from '../src/protocol/messages.ts';
import { refuse, sendError, type Client, type Context } from './context.ts';
import { routeCall } from './handlers/calls.ts';
import { HELLO, onHelloAnswer } from './handlers/hello.ts';
import { HISTORY, onHistory } from './handlers/history.ts';
import { relay } from './handlers/relay.ts';
import { onServerRequest } from './handlers/rooms.ts';

/** What a client may send to another client (plus the call actions). */
const RELAYED = new Set<string>([
  ACTION.TEXT, ACTION.CUSTOM, ACTION.EVENT, ACTION.IQ_GET, ACTION.IQ_SET, ACTION.IQ_RESULT, ACTION.IQ_ERROR, ACTION.METRICS,
]);

export function route(ctx: Context, client: Client, m: JsongleMessage): void | Promise<void> {
  const j = m.jsongle;
  const helloAnswer = j.action === ACTION.IQ_RESULT && (j as IqBody).query === HELLO;
  if (!client.registered) {
    if (helloAnswer) return onHelloAnswer(ctx, client, m as JsongleMessage<IqBody>);
    return sendError(ctx, client, ERROR_CODE.NOT_REGISTERED, 'Not registered: answer the session-hello request first');
  }
  if (m.to === ctx.sn || helloAnswer) return toServer(ctx, client, m);
  if (isCallAction(j.action)) {
    if (ctx.registry.handOff?.(client, m)) return; // another node decides this call
    return routeCall(ctx, client, m as JsongleMessage<CallBody>);
  }
  if (RELAYED.has(j.action)) return relay(ctx, client, m);
  // ack, session-error and session-hello are the server's own words.
  return refuse(ctx, client, m, ERROR_CODE.ACTION_NOT_ALLOWED, `The server does not relay ${j.action}`);
}

function toServer(ctx: Context, client: Client, m: JsongleMessage): void | Promise<void> {
  const j = m.jsongle;
  switch (j.action) {
    case ACTION.IQ_GET:
    case ACTION.IQ_SET:
      if (j.action === ACTION.IQ_GET && (j as IqBody).query === HISTORY) return onHistory(ctx, client, m as JsongleMessage<IqBody>);
      return onServerRequest(ctx, client, m as JsongleMessage<IqBody>);
    case ACTION.IQ_RESULT:
      if ((j as IqBody).query === HELLO) return onHelloAnswer(ctx, client, m as JsongleMessage<IqBody>);
      break;
    case ACTION.METRICS: // call quality reports: logged, and counted like any message
      ctx.stats.relay(j.action);
      ctx.log.log('info', () => `metrics from ${client.uid}: ${JSON.stringify(j)}`);
      return;
    case ACTION.ACK:
    case ACTION.ERROR:
    case ACTION.EVENT: // receipts and complaints about the server's own messages: nothing to do
      ctx.log.log('debug', () => `${j.action} from ${client.uid} to the server`);
      return;
  }
  refuse(ctx, client, m, ERROR_CODE.ACTION_NOT_ALLOWED, `The server does not accept ${j.action}`);
}
