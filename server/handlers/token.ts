// `iq-set session-token { token }`: a connection replaces its identity token before the current one
// ends (the client does it by itself about a minute before `exp`). The new token must be for the
// same uid; its `rooms` apply to the joins that follow, and its `exp` is the new deadline.
import { iqMessage } from '../../src/protocol/build.ts';
import { ERROR_CODE } from '../../src/protocol/codes.ts';
import { ACTION, type IqBody, type JsongleMessage } from '../../src/protocol/messages.ts';
import { SESSION_TOKEN } from '../../src/token.ts';
import { refuse, type Client, type Context } from '../context.ts';

export { SESSION_TOKEN };

export async function onSessionToken(ctx: Context, client: Client, m: JsongleMessage<IqBody>) {
  const j = m.jsongle;
  const answer = () => client.send(JSON.stringify(iqMessage(ctx.sn, client.address, ACTION.IQ_RESULT, j.query, j.transaction, {})));
  // Open mode: there is no token to replace; say yes so that a client with a token provider works here too.
  if (!ctx.identity.verify) return answer();
  const verified = await ctx.identity.verify(j.description?.token);
  if (client.closed) return;
  if (!verified.ok) return refuse(ctx, client, m, ERROR_CODE.UNAUTHORIZED, verified.reason);
  if (verified.grant.uid !== client.uid) return refuse(ctx, client, m, ERROR_CODE.UNAUTHORIZED, "the token's sub is not this connection's uid");
  client.rooms = verified.grant.rooms;
  client.expireAt(verified.grant.until);
  answer();
}
