import { css } from 'lit';

export const connectionStyles = css`
  :host { display: block; }
  [part='status'] {
    display: inline-flex;
    align-items: center;
    gap: 0.4em;
    font-size: var(--jsongle-status-font-size, 0.8rem);
    color: var(--jsongle-status-color, light-dark(#57606a, #9198a1));
  }
  [part='status-dot'] {
    width: var(--jsongle-status-dot-size, 0.6em);
    height: var(--jsongle-status-dot-size, 0.6em);
    border-radius: 50%;
    background: var(--jsongle-status-idle-color, light-dark(#8c959f, #6e7681));
  }
  :host(:state(connecting)) [part='status-dot'],
  :host(:state(reconnecting)) [part='status-dot'] { background: var(--jsongle-status-connecting-color, light-dark(#bf8700, #d29922)); }
  :host(:state(open)) [part='status-dot'] { background: var(--jsongle-status-open-color, light-dark(#1a7f37, #3fb950)); }
  :host(:state(closed)) [part='status-dot'],
  :host(:state(unauthorized)) [part='status-dot'] { background: var(--jsongle-status-closed-color, light-dark(#cf222e, #ff7b72)); }
`;
