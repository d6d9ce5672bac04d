import { css } from 'lit';

// Colours come from --jsongle-call-* custom properties; their defaults follow the page's colour
// scheme through light-dark() (a page that declares `color-scheme: light dark` gets the dark theme
// when the visitor prefers it; a page that declares nothing stays light). The narrow layout is a
// container query: the element may sit in a sidebar of a wide page.
export const callStyles = css`
  :host {
    display: block;
    width: var(--jsongle-call-width, 100%);
    max-width: var(--jsongle-call-max-width, 40rem);
    container-type: inline-size;
    --_surface: var(--jsongle-call-background, light-dark(#f6f8fa, #161b22));
    --_text: var(--jsongle-call-color, light-dark(#1f2328, #e6edf3));
    --_muted: var(--jsongle-call-state-color, light-dark(#57606a, #9198a1));
    --_stage: var(--jsongle-call-video-background, #1b1f24);
    --_stage-idle: var(--jsongle-call-idle-background, light-dark(#ffffff, #0d1117));
    --_button: var(--jsongle-call-button-background, light-dark(#e4e8ec, #30363d));
    --_button-text: var(--jsongle-call-button-color, light-dark(#1f2328, #e6edf3));
    --_pressed: var(--jsongle-call-pressed-background, light-dark(#1f2328, #e6edf3));
    --_pressed-text: var(--jsongle-call-pressed-color, light-dark(#ffffff, #1f2328));
    --_accept: var(--jsongle-call-accept-background, #1a7f37);
    --_hangup: var(--jsongle-call-hangup-background, #cf222e);
    --_ring: var(--jsongle-focus-ring-color, light-dark(#0969da, #4493f8));
    --_avatar: var(--jsongle-call-avatar-size, 6rem);
  }
  [part~='base'] {
    position: relative;
    display: flex;
    flex-direction: column;
    gap: var(--jsongle-call-gap, 0.75rem);
    padding: var(--jsongle-call-padding, 0.75rem);
    border-radius: var(--jsongle-call-radius, 1rem);
    background: var(--_surface);
    color: var(--_text);
  }
  [part~='base']:focus { outline: none; }
  [part~='base']:focus-visible { outline: 3px solid var(--_ring); outline-offset: 2px; }
  [part~='base']:fullscreen { max-width: none; border-radius: 0; padding: 1rem; background: #0d1117; color: #f0f3f6; }
  [part~='base']:fullscreen [part~='stage'] { flex: 1; aspect-ratio: auto; }
  p { margin: 0; }

  /* ---- the stage ---- */
  [part~='stage'] {
    position: relative;
    display: grid;
    place-items: center;
    min-height: 13rem;
    border-radius: var(--jsongle-call-video-radius, 0.75rem);
    background: var(--_stage);
    color: #f0f3f6;
    overflow: hidden;
  }
  [part~='stage'].video { aspect-ratio: var(--jsongle-call-video-aspect-ratio, 4 / 3); }
  /* Before and after a call the stage is the card's own, light (or dark) with the page. */
  [part~='base']:is([data-phase='idle'], [data-phase='ended']) [part~='stage'] {
    background: var(--_stage-idle);
    color: var(--_text);
    aspect-ratio: auto;
    min-height: 12rem;
    box-shadow: inset 0 0 0 1px var(--jsongle-call-border-color, light-dark(#d0d7de, #30363d));
  }
  [part~='remote-video'] {
    position: absolute;
    inset: 0;
    width: 100%;
    height: 100%;
    object-fit: var(--jsongle-call-video-fit, cover);
    background: var(--_stage);
  }
  [part~='placeholder'] {
    position: relative;
    display: flex;
    flex-direction: column;
    align-items: center;
    gap: 0.75rem;
    padding: 1.5rem 1rem;
    max-width: 100%;
    text-align: center;
  }
  [part~='placeholder'] [part~='info'] { align-items: center; }
  [part~='avatar'] {
    position: relative;
    display: grid;
    place-items: center;
    flex: none;
    width: var(--_avatar);
    height: var(--_avatar);
    border-radius: 50%;
    font-size: calc(var(--_avatar) / 2.6);
    font-weight: 600;
    letter-spacing: 0.02em;
    background: var(--jsongle-call-avatar-background, var(--_hue));
    color: var(--jsongle-call-avatar-color, #ffffff);
    --_hue: #0b57d0;
  }
  [part~='avatar'].hue-1 { --_hue: #146c2e; }
  [part~='avatar'].hue-2 { --_hue: #7b1fa2; }
  [part~='avatar'].hue-3 { --_hue: #a50e0e; }
  [part~='avatar'].hue-4 { --_hue: #00639b; }
  [part~='avatar'].hue-5 { --_hue: #5e35b1; }
  [part~='avatar-empty'] {
    --_avatar: 4.5rem;
    background: var(--jsongle-call-idle-icon-background, light-dark(#ddf4ff, #0c2d6b));
    color: var(--jsongle-call-idle-icon-color, light-dark(#0969da, #79c0ff));
  }
  [part~='avatar-empty'] .icon { width: 2rem; height: 2rem; }
  /* A call that rings: a larger avatar, with rings going out of it. */
  :is([data-phase='calling'], [data-phase='incoming']) { --_avatar: var(--jsongle-call-ringing-avatar-size, 7.5rem); }
  :is([data-phase='calling'], [data-phase='incoming']) [part~='avatar']::before,
  :is([data-phase='calling'], [data-phase='incoming']) [part~='avatar']::after {
    content: '';
    position: absolute;
    inset: 0;
    border-radius: 50%;
    border: 2px solid var(--jsongle-call-ripple-color, rgb(255 255 255 / 0.4));
    animation: ripple 2.4s ease-out infinite;
  }
  :is([data-phase='calling'], [data-phase='incoming']) [part~='avatar']::after { animation-delay: 1.2s; }
  @keyframes ripple {
    from { transform: scale(1); opacity: 0.7; }
    to { transform: scale(1.6); opacity: 0; }
  }

  /* ---- name and state ---- */
  [part~='info'] { display: flex; flex-direction: column; gap: 0.25rem; min-width: 0; max-width: 100%; }
  [part~='name'] {
    font-size: 1.375rem;
    font-weight: 600;
    line-height: 1.25;
    overflow-wrap: anywhere;
    display: -webkit-box;
    -webkit-line-clamp: 2;
    -webkit-box-orient: vertical;
    overflow: hidden;
  }
  :is([data-phase='calling'], [data-phase='incoming']) [part~='name'] { font-size: 1.75rem; }
  [part~='status'] {
    display: flex;
    flex-wrap: wrap;
    justify-content: inherit;
    align-items: center;
    gap: 0.375rem;
    font-variant-numeric: tabular-nums;
    opacity: 0.85;
  }
  [part~='placeholder'] [part~='status'] { justify-content: center; }
  :is([data-phase='idle'], [data-phase='ended']) [part~='status'] { opacity: 1; color: var(--_muted); }
  [data-phase='idle'] [part~='placeholder'] [part~='state']:first-child { color: var(--_text); font-weight: 600; font-size: 1.125rem; }
  [data-phase='reconnecting'] [part~='status'] { color: #f2cc60; opacity: 1; }
  [part~='status'] .icon { width: 1.125rem; height: 1.125rem; }
  [part~='hint'] { color: var(--_muted); font-size: 0.875rem; }
  [part~='badges'] { display: flex; flex-wrap: wrap; justify-content: center; gap: 0.375rem; margin-top: 0.25rem; }
  [part~='badge'] {
    display: inline-flex;
    align-items: center;
    gap: 0.3rem;
    padding: 0.2rem 0.6rem 0.2rem 0.45rem;
    border-radius: 999px;
    font-size: 0.8125rem;
    font-weight: 500;
    background: rgb(0 0 0 / 0.45);
    color: #ffffff;
  }
  [part~='badge'] .icon { width: 1rem; height: 1rem; }
  /* Above the peer's video: one line, nothing over the picture. */
  [part~='header'] [part~='info'] { flex-direction: row; flex-wrap: wrap; align-items: center; gap: 0.25rem 0.75rem; }
  [part~='header'] [part~='name'] { font-size: 1.0625rem; -webkit-line-clamp: 1; overflow-wrap: normal; white-space: nowrap; text-overflow: ellipsis; display: block; min-width: 0; max-width: 100%; }
  [part~='header'] [part~='status'] { color: var(--_muted); opacity: 1; }
  [part~='header'] [part~='badges'] { margin: 0; }
  [part~='header'] [part~='badge'] { background: var(--_button); color: var(--_button-text); }

  /* ---- the camera preview: small, in a corner, mirrored as in a mirror ---- */
  [part~='local-video'] {
    position: absolute;
    right: var(--jsongle-call-preview-inset, 0.75rem);
    bottom: var(--jsongle-call-preview-inset, 0.75rem);
    width: var(--jsongle-call-preview-width, 24%);
    min-width: 5.5rem;
    max-width: 12rem;
    aspect-ratio: 4 / 3;
    object-fit: cover;
    border-radius: var(--jsongle-call-preview-radius, 0.5rem);
    box-shadow: 0 0 0 2px var(--jsongle-call-preview-border-color, rgb(255 255 255 / 0.85)), 0 4px 12px rgb(0 0 0 / 0.35);
    transform: scaleX(-1);
    background: #2d333b;
  }
  [part~='local-off'] { display: grid; place-items: center; transform: none; color: #c9d1d9; }

  /* ---- buttons ---- */
  button { display: inline-flex; align-items: center; justify-content: center; gap: 0.5rem; }
  button:focus-visible { outline-color: var(--_ring); }
  .icon { flex: none; width: 1.5rem; height: 1.5rem; }
  .icon-button {
    position: relative;
    width: var(--jsongle-call-control-size, 3.25rem);
    height: var(--jsongle-call-control-size, 3.25rem);
    min-height: 0;
    padding: 0;
    border-radius: 50%;
    background: var(--_button);
    color: var(--_button-text);
    transition: background-color 0.15s, color 0.15s;
  }
  .icon-button[aria-pressed='true'] { background: var(--_pressed); color: var(--_pressed-text); }
  [part~='hangup'] { width: 4.5rem; border-radius: 999px; background: var(--_hangup); color: var(--jsongle-call-hangup-color, #ffffff); }
  [part~='fullscreen'] {
    position: absolute;
    top: 0.5rem;
    right: 0.5rem;
    width: 2.75rem;
    height: 2.75rem;
    background: rgb(0 0 0 / 0.45);
    color: #ffffff;
  }
  [part~='fullscreen'] .icon { width: 1.25rem; height: 1.25rem; }
  /* Tooltips: the button's name, shown on hover and keyboard focus. */
  .tip {
    position: absolute;
    bottom: calc(100% + 0.5rem);
    left: 50%;
    transform: translateX(-50%);
    padding: 0.25rem 0.5rem;
    border-radius: 0.375rem;
    background: light-dark(#1f2328, #e6edf3);
    color: light-dark(#ffffff, #1f2328);
    font-size: 0.75rem;
    font-weight: 500;
    white-space: nowrap;
    pointer-events: none;
    opacity: 0;
    transition: opacity 0.15s 0.1s;
    z-index: 1;
  }
  [part~='fullscreen'] .tip { bottom: auto; top: 50%; left: auto; right: calc(100% + 0.5rem); transform: translateY(-50%); }
  button:hover .tip, button:focus-visible .tip { opacity: 1; }
  [part~='controls'] {
    display: flex;
    flex-wrap: nowrap;
    justify-content: center;
    align-items: center;
    gap: 0.75rem;
    min-height: 0;
  }
  [part~='controls']:empty { display: none; }
  .wide {
    min-height: 3rem;
    padding: 0 1.5rem;
    max-width: 100%;
    font-weight: 600;
    background: var(--jsongle-call-start-background, var(--_accept));
    color: var(--jsongle-call-start-color, #ffffff);
  }
  .wide span { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
  .wide .icon { width: 1.25rem; height: 1.25rem; }

  /* ---- a call that rings here: Decline and Accept, large, as on a phone ---- */
  [part~='incoming'] { display: flex; justify-content: center; gap: 4rem; padding: 0.25rem 0 0.5rem; }
  .round {
    flex-direction: column;
    gap: 0.375rem;
    padding: 0;
    min-height: 0;
    border: 0;
    border-radius: 0.75rem;
    background: transparent;
    color: inherit;
    font-size: 0.875rem;
    font-weight: 500;
  }
  .round .disc {
    display: grid;
    place-items: center;
    width: 4rem;
    height: 4rem;
    border-radius: 50%;
    color: #ffffff;
    background: var(--_hangup);
  }
  .round .disc .icon { width: 1.875rem; height: 1.875rem; }
  [part~='accept'] .disc { background: var(--_accept); animation: nudge 1.6s ease-in-out infinite; }
  @keyframes nudge {
    0%, 100% { transform: none; }
    10%, 30% { transform: rotate(-12deg); }
    20%, 40% { transform: rotate(12deg); }
    50% { transform: none; }
  }
  .round:hover { filter: none; }
  .round:hover .disc { filter: brightness(1.1); }
  .round:focus-visible { outline-offset: 4px; }

  [part~='error'] {
    padding: 0.5rem 0.75rem;
    border-radius: 0.5rem;
    background: light-dark(#ffebe9, #3c1618);
    color: var(--jsongle-call-error-color, light-dark(#a40e26, #ff9492));
    overflow-wrap: anywhere;
  }

  /* ---- narrow (a phone, a sidebar) ---- */
  @container (max-width: 30rem) {
    [part~='stage'].video { aspect-ratio: var(--jsongle-call-video-aspect-ratio, 3 / 4); }
    [part~='controls'] { gap: 0.5rem; }
    .icon-button { --jsongle-call-control-size: 3rem; }
    [part~='hangup'] { width: 4rem; }
    [part~='incoming'] { gap: 3rem; }
    [part~='name'] { font-size: 1.25rem; }
    :is([data-phase='calling'], [data-phase='incoming']) [part~='name'] { font-size: 1.5rem; }
  }

  [part='quality'] { display: inline-flex; align-items: flex-end; gap: 2px; height: 0.8em; margin-inline-start: 0.5em; }
  [part='quality-bar'] { width: 3px; background: var(--jsongle-call-quality-off-color, #d0d7de); border-radius: 1px; }
  [part='quality-bar']:nth-child(1) { height: 20%; }
  [part='quality-bar']:nth-child(2) { height: 40%; }
  [part='quality-bar']:nth-child(3) { height: 60%; }
  [part='quality-bar']:nth-child(4) { height: 80%; }
  [part='quality-bar']:nth-child(5) { height: 100%; }
  [part='quality-bar'].lit { background: var(--jsongle-call-quality-color, #1a7f37); }

  @media (prefers-reduced-motion: reduce) {
    *, *::before, *::after { animation: none !important; transition: none !important; }
  }
`;
