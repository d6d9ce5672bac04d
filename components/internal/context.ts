// The client an ancestor <jsongle-connection> provides to the elements inside it.
import { createContext } from '@lit/context';
import type { JSONgle } from '../../src/client.ts';

export const clientContext = createContext<JSONgle | null>(Symbol.for('jsongle-client'));
