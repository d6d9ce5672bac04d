// Dispatch of one valid message by who it is for and what it is, as ROUTES (src/protocol/messages.ts)
// says. Returns a promise only when a handler had to wait (registry operations), so that the
// connection holds its next messages.
import { ERROR_CODE } from '../src/protocol/codes.ts';
import { ACTION, ROUTES, SERVER_QUERIES, type CallBody, type IqBody, type JsongleMessage } from '../src/protocol/messages.ts';
import { refuse, sendError, type Client, type Context } from './context.ts';
import { routeCall } from './handlers/calls.ts';
import { HELLO, onHelloAnswer } from './handlers/hello.ts';
import { HISTORY, onHistory } from './handlers/history.ts';
import { relay } from './handlers/relay.ts';
import { onServerRequest } from './handlers/rooms.ts';
import { onSessionToken, SESSION_TOKEN } from './handlers/token.ts';
import { onTurnCredentials, TURN_QUERY } from './handlers/turn.ts';

export function route(ctx: Context, client: Client, m: JsongleMessage): void | Promise<void> {
  const j = m.jsongle;
  const helloAnswer = j.action === ACTION.IQ_RESULT && (j as IqBody).query === HELLO;
  if (!client.registered) {
    if (helloAnswer) return onHelloAnswer(ctx, client, m as JsongleMessage<IqBody>);
    // session-error even for a request, as the reference server does.
    return sendError(ctx, client, ERROR_CODE.NOT_REGISTERED, 'Not registered: answer the session-hello request first', m.id);
  }
  if (m.to === ctx.sn || helloAnswer) return toServer(ctx, client, m);
  const [peer] = ROUTES[j.action];
  // A hello (request or answer) between users would let one pose as the server to the other.
  if (peer === 'refuse' || SERVER_QUERIES.includes((j as IqBody).query)) {
    return refuse(ctx, client, m, ERROR_CODE.ACTION_NOT_ALLOWED, `The server does not relay ${j.action}${'query' in j ? ` ${j.query.slice(0, 64)}` : ''}`);
  }
  if (peer === 'call') {
    if (ctx.registry.handOff?.(client, m)) return; // another node decides this call
    return routeCall(ctx, client, m as JsongleMessage<CallBody>);
  }
  return relay(ctx, client, m);
}

function toServer(ctx: Context, client: Client, m: JsongleMessage): void | Promise<void> {
  const j = m.jsongle;
  const [, server] = ROUTES[j.action];
  if (server === 'note') {
    if (j.action === ACTION.METRICS) {
      ctx.stats.relay(j.action); // counted like any message
      ctx.log.log('info', () => `metrics from ${client.uid}: ${JSON.stringify(j)}`);
    } else ctx.log.log('debug', () => `${j.action} from ${client.uid} to the server`);
    return;
  }
  if (server === 'answer') {
    if (j.action === ACTION.IQ_GET && (j as IqBody).query === HISTORY) return onHistory(ctx, client, m as JsongleMessage<IqBody>);
    if (j.action === ACTION.IQ_SET && (j as IqBody).query === SESSION_TOKEN) return onSessionToken(ctx, client, m as JsongleMessage<IqBody>);
    if (j.action !== ACTION.IQ_RESULT && (j as IqBody).query === TURN_QUERY) return onTurnCredentials(ctx, client, m as JsongleMessage<IqBody>);
    if (j.action !== ACTION.IQ_RESULT) return onServerRequest(ctx, client, m as JsongleMessage<IqBody>);
    if ((j as IqBody).query === HELLO) return onHelloAnswer(ctx, client, m as JsongleMessage<IqBody>);
  }
  refuse(ctx, client, m, ERROR_CODE.ACTION_NOT_ALLOWED, `The server does not accept ${j.action}`);
}
