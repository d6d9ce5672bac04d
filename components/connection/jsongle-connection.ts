// Defines <jsongle-connection>: the module the autoloader imports when the tag first appears.
import { define } from '../internal/define.ts';
import { JsongleConnection } from './connection.ts';

define('jsongle-connection', JsongleConnection);
export { JsongleConnection };
