// Defines <jsongle-call>: the module the autoloader imports when the tag first appears.
import { define } from '../internal/define.ts';
import { JsongleCall } from './call.ts';

define('jsongle-call', JsongleCall);
export { JsongleCall };
