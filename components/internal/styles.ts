// Styles shared by the elements (constructable stylesheets only: works under a strict CSP).
// Every default colour of every element is a light-dark() pair: a page that declares
// `color-scheme: light dark` gets the dark one when the visitor prefers it; one that declares nothing stays light.
import { css } from 'lit';

export const hostStyles = css`
  :host {
    box-sizing: border-box;
    font-family: var(--jsongle-font-family, system-ui, sans-serif);
    color: var(--jsongle-color, light-dark(#1f2328, #e6edf3));
  }
  :host([hidden]) { display: none !important; }
  *, *::before, *::after { box-sizing: inherit; }
  [hidden] { display: none !important; }
  .visually-hidden {
    position: absolute !important;
    width: 1px;
    height: 1px;
    padding: 0;
    margin: -1px;
    overflow: hidden;
    clip: rect(0 0 0 0);
    white-space: nowrap;
    border: 0;
  }
`;

export const buttonStyles = css`
  button {
    font: inherit;
    cursor: pointer;
    border: 1px solid transparent;
    border-radius: var(--jsongle-button-radius, 999px);
    padding: var(--jsongle-button-padding, 0.5em 1em);
    min-height: var(--jsongle-button-size, 2.75rem);
    background: var(--jsongle-button-background, light-dark(#eaeef2, #30363d));
    color: var(--jsongle-button-color, light-dark(#1f2328, #e6edf3));
  }
  button:hover { filter: brightness(0.95); }
  button:focus-visible {
    outline: var(--jsongle-focus-ring-width, 3px) solid var(--jsongle-focus-ring-color, light-dark(#0969da, #4493f8));
    outline-offset: 2px;
  }
  button[disabled] { cursor: not-allowed; opacity: 0.6; }
`;
