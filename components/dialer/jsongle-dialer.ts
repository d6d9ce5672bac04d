// Defines <jsongle-dialer>: the module the autoloader imports when the tag first appears.
import { define } from '../internal/define.ts';
import { JsongleDialer } from './dialer.ts';

define('jsongle-dialer', JsongleDialer);
export { JsongleDialer };
