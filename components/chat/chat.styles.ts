import { css } from 'lit';

export const chatStyles = css`
  :host {
    display: block;
    width: var(--jsongle-chat-width, 100%);
    max-width: var(--jsongle-chat-max-width, 40rem);
  }
  [part='base'] {
    display: flex;
    flex-direction: column;
    gap: 0.5rem;
    padding: var(--jsongle-chat-padding, 0.75rem);
    border-radius: var(--jsongle-chat-radius, 0.75rem);
    background: var(--jsongle-chat-background, light-dark(#f6f8fa, #161b22));
  }
  [part='log'] {
    height: var(--jsongle-chat-log-height, auto);
    max-height: var(--jsongle-chat-log-max-height, 24rem);
    overflow-y: auto;
    overscroll-behavior: contain;
    border-radius: 0.5rem;
  }
  [part='log']:focus-visible {
    outline: var(--jsongle-focus-ring-width, 3px) solid var(--jsongle-focus-ring-color, light-dark(#0969da, #4493f8));
    outline-offset: 2px;
  }
  [part='empty'] { margin: 0.5rem; color: var(--jsongle-chat-system-color, light-dark(#57606a, #9198a1)); }
  [part='messages'] {
    list-style: none;
    margin: 0;
    padding: 0.25rem;
    display: flex;
    flex-direction: column;
    gap: var(--jsongle-chat-gap, 0.5rem);
  }
  [part~='message'] {
    display: flex;
    flex-direction: column;
    align-items: flex-start;
    max-width: 85%;
  }
  [part~='message-own'] { align-self: flex-end; align-items: flex-end; }
  /* The bubble, and beside it the button that adds a reaction: shown on hover and keyboard focus
     (always, faintly, where there is no hover), never a row of its own under every bubble. */
  .row { display: flex; align-items: center; gap: 0.25rem; max-width: 100%; min-width: 0; }
  [part~='message-own'] .row { flex-direction: row-reverse; }
  [part='reaction-add'] {
    flex: none;
    display: grid;
    place-items: center;
    width: 2rem;
    height: 2rem;
    min-height: 0;
    padding: 0;
    border-radius: 50%;
    background: transparent;
    color: var(--jsongle-chat-meta-color, light-dark(#57606a, #9198a1));
    opacity: 0;
    transition: opacity 0.15s;
  }
  [part='reaction-add'] .icon { width: 1.25rem; height: 1.25rem; }
  [part='reaction-add']:hover { background: var(--jsongle-chat-reaction-background, light-dark(#eaeef2, #30363d)); }
  [part~='message']:hover [part='reaction-add'], [part~='message']:focus-within [part='reaction-add'], [part='reaction-add'][aria-expanded='true'] { opacity: 1; }
  @media (hover: none) { [part='reaction-add'] { opacity: 0.6; } }
  @media (prefers-reduced-motion: reduce) { [part='reaction-add'] { transition: none; } }
  [part~='bubble'] {
    display: flex;
    flex-direction: column;
    gap: 0.125rem;
    min-width: 0;
    max-width: 100%;
    padding: 0.375rem 0.625rem;
    border-radius: var(--jsongle-chat-bubble-radius, 0.875rem);
    background: var(--jsongle-chat-other-background, light-dark(#ffffff, #0d1117));
    color: var(--jsongle-chat-other-color, light-dark(#1f2328, #e6edf3));
    border: 1px solid var(--jsongle-chat-bubble-border-color, light-dark(#d0d7de, #30363d));
  }
  [part~='bubble-own'] {
    background: var(--jsongle-chat-own-background, light-dark(#0969da, #1f6feb));
    color: var(--jsongle-chat-own-color, #ffffff);
    border-color: transparent;
  }
  [part='sender'] { font-size: 0.8125em; font-weight: 600; }
  [part='text'] {
    margin: 0;
    white-space: pre-wrap;
    overflow-wrap: anywhere;
    word-break: break-word;
  }
  [part='meta'] {
    display: flex;
    gap: 0.375rem;
    justify-content: flex-end;
    font-size: 0.75em;
  }
  [part='status'][data-state='read'] { color: var(--jsongle-chat-read-color, inherit); font-weight: 600; }
  [part='status'][data-state='failed'] { color: var(--jsongle-chat-error-color, light-dark(#b42318, #ff9492)); font-weight: 600; }
  [part='retry'] { font: inherit; font-size: 0.8125em; margin-inline-start: 0.5em; padding: 0.125em 0.5em; cursor: pointer; }
  [part='history-status'] { margin: 0 0 0.5em; text-align: center; font-size: 0.8125em; color: var(--jsongle-chat-system-color, light-dark(#57606a, #9198a1)); }
  [part='reactions'] { display: flex; flex-wrap: wrap; gap: 0.25rem; margin-top: 0.125rem; align-items: center; }
  [part~='reaction'], [part='reaction-choice'] {
    min-height: 1.75rem;
    padding: 0 0.5rem;
    font-size: 0.875em;
    background: var(--jsongle-chat-reaction-background, light-dark(#eaeef2, #30363d));
  }
  [part~='reaction-mine'] {
    background: var(--jsongle-chat-reaction-mine-background, light-dark(#ddf4ff, #0c2d6b));
    border-color: var(--jsongle-chat-reaction-mine-border-color, light-dark(#0969da, #4493f8));
  }
  [part='reaction-picker'] { display: flex; gap: 0.25rem; }
  [part~='system'] {
    align-self: center;
    text-align: center;
    font-size: 0.8125em;
    color: var(--jsongle-chat-system-color, light-dark(#57606a, #9198a1));
    overflow-wrap: anywhere;
  }
  [part='typing'] {
    margin: 0;
    min-height: 1.25em;
    font-size: 0.8125em;
    font-style: italic;
    color: var(--jsongle-chat-typing-color, light-dark(#57606a, #9198a1));
    overflow-wrap: anywhere;
  }
  [part='error'] { margin: 0; color: var(--jsongle-chat-error-color, light-dark(#cf222e, #ff7b72)); overflow-wrap: anywhere; }
  [part='composer'] {
    display: grid;
    grid-template-columns: 1fr auto;
    gap: 0.5rem;
    align-items: end;
  }
  [part='input'] {
    font: inherit;
    resize: vertical;
    min-height: 2.75rem;
    padding: 0.5rem 0.625rem;
    border-radius: 0.5rem;
    border: 1px solid var(--jsongle-chat-input-border-color, light-dark(#8c959f, #6e7681));
    background: var(--jsongle-chat-input-background, light-dark(#ffffff, #0d1117));
    color: inherit;
  }
  [part='input']:focus-visible {
    outline: var(--jsongle-focus-ring-width, 3px) solid var(--jsongle-focus-ring-color, light-dark(#0969da, #4493f8));
    outline-offset: 1px;
  }
  [part='send-button'] {
    background: var(--jsongle-chat-send-background, light-dark(#0969da, #1f6feb));
    color: var(--jsongle-chat-send-color, #ffffff);
  }
  [part='composer-status'] { grid-column: 1 / -1; margin: 0; font-size: 0.8125em; color: var(--jsongle-chat-system-color, light-dark(#57606a, #9198a1)); }
`;
