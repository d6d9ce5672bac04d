// Defines <jsongle-chat>: the module the autoloader imports when the tag first appears.
import { define } from '../internal/define.ts';
import { JsongleChat } from './chat.ts';

define('jsongle-chat', JsongleChat);
export { JsongleChat };
