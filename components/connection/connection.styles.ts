import { css } from 'lit';

export const connectionStyles = css`
  :host { display: block; }
  [part='status'] {
    display: inline-flex;
    align-items: center;
    gap: 0.4em;
    font-size: var(--jsongle-status-font-size, 0.8rem);
    color: var(--jsongle-status-color, #57606a);
  }
  [part='status-dot'] {
    width: var(--jsongle-status-dot-size, 0.6em);
    height: var(--jsongle-status-dot-size, 0.6em);
    border-radius: 50%;
    background: var(--jsongle-status-idle-color, #8c959f);
  }
  :host(:state(connecting)) [part='status-dot'],
  :host(:state(reconnecting)) [part='status-dot'] { background: var(--jsongle-status-connecting-color, #bf8700); }
  :host(:state(open)) [part='status-dot'] { background: var(--jsongle-status-open-color, #1a7f37); }
  :host(:state(closed)) [part='status-dot'],
  :host(:state(unauthorized)) [part='status-dot'] { background: var(--jsongle-status-closed-color, #cf222e); }
`;
