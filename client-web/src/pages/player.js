// One rrweb Replayer in live mode inside a page's stage, for the watch page: events
// are added as they arrive (placed on this machine's clock by a Timeline first), the recorded
// viewport is scaled to fit the stage, and the player says when everything added has been shown.

import { Replayer } from 'rrweb';
import 'rrweb/dist/style.css';

/** Events play this long after the time they are placed at, which smooths batches out. */
export const BUFFER_MS = 300;

export class LivePlayer {
  constructor(stage, { bufferMs = BUFFER_MS, onCast = () => {} } = {}) {
    this.stage = stage;
    this.added = 0;
    this.cast = 0;
    this.shown = false;
    this.onCast = onCast;
    stage.replaceChildren();
    this.replayer = new Replayer([], {
      root: stage,
      liveMode: true,
      // events placed before the baseline are applied at once ("sync"); rrweb would gather
      // those in a virtual DOM that only a non-live play() flushes, so apply them directly
      useVirtualDom: false,
      showWarning: false,
      mouseTail: false,
      triggerFocus: false,
    });
    this.baseline = Date.now() - bufferMs;
    this.replayer.startLive(this.baseline);
    this.replayer.on('event-cast', (event) => {
      this.cast++;
      if (event.type === 2) this.shown = true;
      this.onCast(this);
    });
    this.replayer.on('resize', () => this.fit());
    this.resizeObserver = new ResizeObserver(() => this.fit());
    this.resizeObserver.observe(stage.parentElement ?? stage);
  }

  /** Adds events (already placed on this clock), in order. */
  add(events) {
    for (const e of events) {
      this.replayer.addEvent(e);
      this.added++;
    }
  }

  /** True when every event added so far has been applied to the page. */
  get settled() {
    return this.cast >= this.added;
  }

  /** The replayed page's document (the iframe rrweb builds), for tests and tools. */
  get document() {
    return this.replayer.iframe?.contentDocument ?? null;
  }

  /** Scales the recorded viewport down to the stage's width (never up). */
  fit() {
    const iframe = this.replayer.iframe;
    const wrapper = this.replayer.wrapper;
    const w = Number(iframe?.getAttribute('width'));
    const h = Number(iframe?.getAttribute('height'));
    if (!w || !h) return;
    // the parent's content box (its padding is not room for the stage)
    const parent = this.stage.parentElement;
    const pad = parent ? getComputedStyle(parent) : null;
    const inner = parent ? parent.clientWidth - parseFloat(pad.paddingLeft) - parseFloat(pad.paddingRight) : 0;
    const room = inner || this.stage.clientWidth || w;
    const scale = Math.min(1, room / w);
    wrapper.style.transformOrigin = '0 0';
    wrapper.style.transform = `scale(${scale})`;
    this.stage.style.width = `${Math.round(w * scale)}px`;
    this.stage.style.height = `${Math.round(h * scale)}px`;
  }

  destroy() {
    this.resizeObserver.disconnect();
    try {
      this.replayer.destroy();
    } catch {
      // a replayer that never showed anything has little to tear down
    }
    this.stage.replaceChildren();
  }
}
