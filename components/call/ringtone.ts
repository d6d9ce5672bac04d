// The sounds of a call that is not connected yet, made with Web Audio (no audio file to ship or
// fetch): the ringtone of an incoming call, a soft two-note chime twice every 3 s, and the quiet
// ringback an outgoing call hears while the callee's device rings (the 440 + 480 Hz tone, 1.5 s on,
// 3 s off). A page may give its own file for the ringtone (looped through an <audio> element).
// Browsers may refuse to start audio before the visitor has touched the page: then it stays silent.

export type Tone = 'ringtone' | 'ringback';

/** One pattern period, in seconds, and what sounds in it. */
const PATTERNS: Record<Tone, { period: number; gain: number; second: number; notes: { at: number; length: number; hz: number[] }[] }> = {
  ringtone: {
    period: 3,
    gain: 0.18,
    second: 0.25, // the octave only colours the note
    notes: [
      { at: 0, length: 0.35, hz: [659.25, 1318.5] }, { at: 0.4, length: 0.5, hz: [523.25, 1046.5] },
      { at: 1.1, length: 0.35, hz: [659.25, 1318.5] }, { at: 1.5, length: 0.5, hz: [523.25, 1046.5] },
    ],
  },
  ringback: { period: 4.5, gain: 0.05, second: 1, notes: [{ at: 0, length: 1.5, hz: [440, 480] }] },
};
/** How far ahead notes are scheduled; the pattern is topped up each period. */
const AHEAD = 2;

type AudioContextClass = typeof AudioContext;

export class Ringtone {
  #context: AudioContext | null = null;
  #output: GainNode | null = null;
  #audio: HTMLAudioElement | null = null;
  #timer: ReturnType<typeof setInterval> | undefined;
  #next = 0;
  #tone: Tone | null = null;

  /** What start() was asked to play (null after stop()). */
  get tone(): Tone | null { return this.#tone; }

  /** What sounds now: null when stopped, and while the browser keeps the audio from starting. */
  get playing(): Tone | null {
    const sounding = this.#context ? this.#context.state === 'running' : !!this.#audio && !this.#audio.paused;
    return sounding ? this.#tone : null;
  }

  /** Plays `tone` until stop(); `url` plays that file (looped) instead of the generated tone. */
  start(tone: Tone, url = '') {
    if (this.#tone === tone) return;
    this.stop();
    this.#tone = tone;
    if (url) {
      const audio = new Audio(url);
      audio.loop = true;
      this.#audio = audio;
      audio.play().catch(() => { /* autoplay refused or no such file: silence */ });
      return;
    }
    const Context = (globalThis as { AudioContext?: AudioContextClass }).AudioContext;
    if (!Context) return;
    try {
      const context = new Context();
      const output = context.createGain();
      output.gain.value = PATTERNS[tone].gain;
      output.connect(context.destination);
      this.#context = context;
      this.#output = output;
      void context.resume().catch(() => {});
      this.#next = context.currentTime + 0.05;
      this.#schedule();
      this.#timer = setInterval(() => this.#schedule(), 500);
    } catch { /* no audio device: silence */ }
  }

  stop() {
    this.#tone = null;
    clearInterval(this.#timer);
    this.#timer = undefined;
    if (this.#audio) {
      this.#audio.pause();
      this.#audio.removeAttribute('src');
      this.#audio = null;
    }
    const context = this.#context;
    this.#context = null;
    this.#output = null;
    void context?.close().catch(() => {});
  }

  /** Schedules the periods that start within AHEAD seconds. */
  #schedule() {
    const context = this.#context;
    const output = this.#output;
    if (!context || !output || !this.#tone) return;
    const { period, notes, second } = PATTERNS[this.#tone];
    while (this.#next < context.currentTime + AHEAD) {
      for (const note of notes) this.#note(context, output, this.#next + note.at, note.length, note.hz, second);
      this.#next += period;
    }
  }

  /** One note: its partials under a short attack and a smooth release (no clicks). */
  #note(context: AudioContext, output: AudioNode, at: number, length: number, hz: number[], second: number) {
    const envelope = context.createGain();
    envelope.gain.setValueAtTime(0, at);
    envelope.gain.linearRampToValueAtTime(1, at + 0.02);
    envelope.gain.setTargetAtTime(0, at + length * 0.6, length / 5);
    envelope.connect(output);
    hz.forEach((f, i) => {
      const osc = context.createOscillator();
      osc.type = 'sine';
      osc.frequency.value = f;
      const partial = context.createGain();
      partial.gain.value = i === 0 ? 1 : second;
      osc.connect(partial).connect(envelope);
      osc.start(at);
      osc.stop(at + length + 0.5);
    });
  }
}
