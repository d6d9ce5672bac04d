// The elements' icons: inline SVG templates (no icon font, no request), drawn on a 24 × 24 grid
// with round strokes in `currentColor`, so they follow the button's colour and theme. Decorative
// only (aria-hidden): the button carrying one has the accessible name.
import { svg, type SVGTemplateResult } from 'lit';

const icon = (body: SVGTemplateResult) => svg`<svg class="icon" viewBox="0 0 24 24" width="24" height="24" aria-hidden="true" focusable="false"
  fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round">${body}</svg>`;

const micShape = svg`<rect x="9" y="2.5" width="6" height="12" rx="3"/><path d="M5 11a7 7 0 0 0 14 0M12 18v3.5M8.5 21.5h7"/>`;
const cameraShape = svg`<rect x="2.5" y="6" width="13" height="12" rx="2.5"/><path d="m15.5 10.5 6-3.5v10l-6-3.5z"/>`;
const handset = 'M21.5 16.9v2.6a2 2 0 0 1-2.2 2A19.8 19.8 0 0 1 2.5 4.7a2 2 0 0 1 2-2.2h2.6a2 2 0 0 1 2 1.7c.1 1 .4 1.9.7 2.8a2 2 0 0 1-.5 2.1L8.2 10.2a16 16 0 0 0 5.6 5.6l1.1-1.1a2 2 0 0 1 2.1-.5c.9.3 1.8.6 2.8.7a2 2 0 0 1 1.7 2z';

export const icons = {
  mic: icon(micShape),
  micOff: icon(svg`${micShape}<path d="m3 3 18 18"/>`),
  camera: icon(cameraShape),
  cameraOff: icon(svg`${cameraShape}<path d="m3 3 18 18"/>`),
  phone: icon(svg`<path d=${handset}/>`),
  /** The handset laid down: hang up, decline. */
  hangup: icon(svg`<path fill="currentColor" stroke-width="1.5" d="M2.6 14.6c5.2-5.1 13.6-5.1 18.8 0l-2 2.6c-.4.5-1 .6-1.5.3l-2.5-1.6c-.4-.2-.6-.7-.5-1.1l.3-1.7c-2.1-.8-4.3-.8-6.4 0l.3 1.7c.1.4-.1.9-.5 1.1l-2.5 1.6c-.5.3-1.1.2-1.5-.3z"/>`),
  fullscreen: icon(svg`<path d="M3 8.5V3h5.5M21 8.5V3h-5.5M3 15.5V21h5.5M21 15.5V21h-5.5"/>`),
  fullscreenExit: icon(svg`<path d="M8.5 3v5.5H3M15.5 3v5.5H21M8.5 21v-5.5H3M15.5 21v-5.5H21"/>`),
  /** A smiley with a plus: add a reaction. */
  reaction: icon(svg`<path d="M20.5 11.5A8.5 8.5 0 1 1 12.5 3"/><path d="M8.5 14.5a4.5 4.5 0 0 0 7 0M9 9.5h.01M15 9.5h.01M19 2v6M16 5h6"/>`),
  /** A signal lost: reconnecting. */
  signal: icon(svg`<path d="M2 8.8a15 15 0 0 1 20 0M5 12.5a10 10 0 0 1 14 0M8.5 16a5 5 0 0 1 7 0M12 19.5h.01"/>`),
};
