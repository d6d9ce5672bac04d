// Preloaded into every node test file (`--import`): routes `node:test` to ./node-test.mjs, which
// writes each test down as it is declared, before any of them runs (see ./index.mjs).
import { register } from 'node:module';

register('./hooks.mjs', import.meta.url);
