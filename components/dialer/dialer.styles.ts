import { css } from 'lit';

export const dialerStyles = css`
  :host {
    display: block;
    width: var(--jsongle-dialer-width, 100%);
    max-width: var(--jsongle-dialer-max-width, 24rem);
  }
  [part='base'] {
    display: flex;
    flex-direction: column;
    gap: var(--jsongle-dialer-gap, 0.5rem);
    padding: var(--jsongle-dialer-padding, 0.75rem);
    border-radius: var(--jsongle-dialer-radius, 0.75rem);
    background: var(--jsongle-dialer-background, light-dark(#f6f8fa, #161b22));
  }
  [part='label'] { font-size: 0.875em; font-weight: 600; }
  [part='input'] {
    font: inherit;
    min-height: var(--jsongle-button-size, 2.75rem);
    padding: 0.5rem 0.75rem;
    border-radius: 0.5rem;
    border: 1px solid var(--jsongle-dialer-input-border-color, light-dark(#8c959f, #6e7681));
    background: var(--jsongle-dialer-input-background, light-dark(#ffffff, #0d1117));
    color: inherit;
    min-width: 0;
  }
  [part='input'][aria-invalid='true'] { border-color: var(--jsongle-dialer-error-color, light-dark(#cf222e, #ff7b72)); }
  [part='input']:focus-visible {
    outline: var(--jsongle-focus-ring-width, 3px) solid var(--jsongle-focus-ring-color, light-dark(#0969da, #4493f8));
    outline-offset: 1px;
  }
  [part='error'] { margin: 0; font-size: 0.875em; color: var(--jsongle-dialer-error-color, light-dark(#cf222e, #ff7b72)); overflow-wrap: anywhere; }
  [part='actions'] { display: flex; flex-wrap: wrap; gap: 0.5rem; }
  [part='audio-call'], [part='video-call'] {
    flex: 1;
    background: var(--jsongle-dialer-call-background, light-dark(#1a7f37, #238636));
    color: var(--jsongle-dialer-call-color, #ffffff);
  }
  [part='keypad'] { display: grid; grid-template-columns: repeat(3, 1fr); gap: 0.375rem; }
  [part='key'] {
    border-radius: 0.5rem;
    font-variant-numeric: tabular-nums;
    background: var(--jsongle-dialer-key-background, light-dark(#eaeef2, #30363d));
  }
  [part='history'] { display: flex; flex-direction: column; gap: 0.375rem; }
  .history-header { display: flex; align-items: center; justify-content: space-between; gap: 0.5rem; }
  [part='history-title'] { font-weight: 600; }
  [part='history-clear'] { font-size: 0.875em; min-height: 2rem; padding: 0.25em 0.75em; }
  [part='history-list'] { list-style: none; margin: 0; padding: 0; display: flex; flex-direction: column; gap: 0.25rem; }
  [part='history-call'] {
    width: 100%;
    display: flex;
    flex-direction: column;
    align-items: flex-start;
    text-align: start;
    border-radius: 0.5rem;
    background: var(--jsongle-dialer-entry-background, light-dark(#ffffff, #0d1117));
    border-color: var(--jsongle-dialer-entry-border-color, light-dark(#d0d7de, #30363d));
  }
  [part='history-peer'] { font-weight: 600; overflow-wrap: anywhere; }
  [part='history-detail'] { font-size: 0.8125em; color: var(--jsongle-dialer-meta-color, light-dark(#57606a, #9198a1)); }
  [part='history-entry'][data-outcome='missed'] [part='history-peer'] { color: var(--jsongle-dialer-missed-color, light-dark(#cf222e, #ff7b72)); }
  [part='history-empty'] { margin: 0; font-size: 0.875em; color: var(--jsongle-dialer-meta-color, light-dark(#57606a, #9198a1)); }
`;
