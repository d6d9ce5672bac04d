import { css } from 'lit';

export const callStyles = css`
  :host {
    display: block;
    width: var(--jsongle-call-width, 100%);
    max-width: var(--jsongle-call-max-width, 40rem);
  }
  [part='base'] {
    position: relative;
    display: flex;
    flex-direction: column;
    gap: var(--jsongle-call-gap, 0.75rem);
    padding: var(--jsongle-call-padding, 1rem);
    border-radius: var(--jsongle-call-radius, 0.75rem);
    background: var(--jsongle-call-background, #f6f8fa);
    color: var(--jsongle-call-color, #1f2328);
  }
  [part='stage'] {
    position: relative;
    display: grid;
    place-items: center;
    aspect-ratio: var(--jsongle-call-video-aspect-ratio, 4 / 3);
    border-radius: var(--jsongle-call-video-radius, 0.5rem);
    background: var(--jsongle-call-video-background, #24292f);
    overflow: hidden;
  }
  /* By the media of the call shown, not the media attribute (calls placed): a video call answered
     by an element left at media="audio" keeps its fixed stage, so the buttons never move. */
  [part='stage'].audio { aspect-ratio: auto; padding: 1.5rem 0; }
  [part='remote-video'] {
    width: 100%;
    height: 100%;
    object-fit: var(--jsongle-call-video-fit, cover);
  }
  [part='local-video'] {
    position: absolute;
    right: var(--jsongle-call-preview-inset, 0.5rem);
    bottom: var(--jsongle-call-preview-inset, 0.5rem);
    width: var(--jsongle-call-preview-width, 28%);
    aspect-ratio: 4 / 3;
    object-fit: cover;
    border-radius: var(--jsongle-call-preview-radius, 0.375rem);
    border: 2px solid var(--jsongle-call-preview-border-color, #ffffff);
    transform: scaleX(-1);
  }
  [part='avatar'] {
    display: grid;
    place-items: center;
    width: var(--jsongle-call-avatar-size, 5rem);
    height: var(--jsongle-call-avatar-size, 5rem);
    border-radius: 50%;
    font-size: calc(var(--jsongle-call-avatar-size, 5rem) / 2.5);
    background: var(--jsongle-call-avatar-background, #0969da);
    color: var(--jsongle-call-avatar-color, #ffffff);
  }
  [part='name'] { margin: 0; font-weight: 600; }
  [part='state'] { margin: 0; color: var(--jsongle-call-state-color, #57606a); font-variant-numeric: tabular-nums; }
  [part='remote-muted'] { margin: 0; font-size: 0.875em; color: var(--jsongle-call-state-color, #57606a); }
  [part='error'] { margin: 0; color: var(--jsongle-call-error-color, #cf222e); }
  [part='incoming'], [part='controls'] { display: flex; flex-wrap: wrap; gap: 0.5rem; }
  [part='accept'] {
    background: var(--jsongle-call-accept-background, #1a7f37);
    color: var(--jsongle-call-accept-color, #ffffff);
  }
  [part='decline'], [part='hangup'] {
    background: var(--jsongle-call-hangup-background, #cf222e);
    color: var(--jsongle-call-hangup-color, #ffffff);
  }
  [part='start'] {
    background: var(--jsongle-call-start-background, #1a7f37);
    color: var(--jsongle-call-start-color, #ffffff);
  }
  button[aria-pressed='true'] {
    background: var(--jsongle-call-pressed-background, #1f2328);
    color: var(--jsongle-call-pressed-color, #ffffff);
  }
`;
