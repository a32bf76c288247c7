// The pure logic of the recording pages, apart from the DOM and from rrweb so that Node's test
// runner covers it: how rrweb events become `publish` batches (protocol 4.3), how events that
// arrive over the network are placed on this machine's clock for rrweb's live Replayer, and how
// a replayed recording becomes the event list rrweb-player plays.

/** rrweb's event types that matter here (rrweb's `EventType`). */
export const RrwebType = Object.freeze({ FULL_SNAPSHOT: 2, INCREMENTAL: 3, META: 4 });

/**
 * Groups rrweb events into `publish` batches. A full snapshot (type 2) and the Meta (type 4)
 * rrweb emits just before it form one `checkpoint` batch, sent at once: it is where a late
 * joiner starts (protocol 4.3). Every other event waits in an `events` batch sent `intervalMs`
 * after its first event, or sooner when it reaches `maxEvents` events or about `maxBytes` of
 * JSON. Batches leave in the order their events came, through `send({events, checkpoint})`.
 * Timers are injectable for tests.
 */
export class EventBatcher {
  #pending = [];
  #pendingBytes = 0;
  #meta = null;
  #timer = null;

  constructor({
    send,
    intervalMs = 150,
    maxEvents = 500,
    maxBytes = 192 * 1024,
    setTimer = (fn, ms) => setTimeout(fn, ms),
    clearTimer = (t) => clearTimeout(t),
  }) {
    if (typeof send !== 'function') throw new TypeError('EventBatcher needs send');
    this.send = send;
    this.intervalMs = intervalMs;
    this.maxEvents = maxEvents;
    this.maxBytes = maxBytes;
    this.setTimer = setTimer;
    this.clearTimer = clearTimer;
    this.stats = { events: 0, batches: 0, checkpoints: 0 };
  }

  /** Takes one rrweb event. */
  push(event) {
    this.stats.events++;
    if (event?.type === RrwebType.META) {
      // a checkpoint starts: what came before it goes out first, on its own
      this.#releaseMeta();
      this.flush();
      this.#meta = event;
      return;
    }
    if (event?.type === RrwebType.FULL_SNAPSHOT) {
      this.flush();
      const events = this.#meta ? [this.#meta, event] : [event];
      this.#meta = null;
      this.#emit(events, true);
      return;
    }
    this.#releaseMeta();
    this.#add(event);
  }

  /** Sends the waiting events (not a half-built checkpoint) now. */
  flush() {
    if (this.#timer !== null) {
      this.clearTimer(this.#timer);
      this.#timer = null;
    }
    if (this.#pending.length === 0) return;
    const events = this.#pending;
    this.#pending = [];
    this.#pendingBytes = 0;
    this.#emit(events, false);
  }

  /** Sends everything that waits, a lone Meta included; call before `end`. */
  close() {
    this.#releaseMeta();
    this.flush();
  }

  /** How many events wait (for tests and status lines). */
  get waiting() {
    return this.#pending.length + (this.#meta ? 1 : 0);
  }

  // a Meta not followed by its snapshot is an ordinary event
  #releaseMeta() {
    if (!this.#meta) return;
    const meta = this.#meta;
    this.#meta = null;
    this.#add(meta);
  }

  #add(event) {
    this.#pending.push(event);
    this.#pendingBytes += approximateBytes(event);
    if (this.#pending.length >= this.maxEvents || this.#pendingBytes >= this.maxBytes) {
      this.flush();
    } else if (this.#timer === null) {
      this.#timer = this.setTimer(() => {
        this.#timer = null;
        this.flush();
      }, this.intervalMs);
    }
  }

  #emit(events, checkpoint) {
    this.stats.batches++;
    if (checkpoint) this.stats.checkpoints++;
    this.send({ events, checkpoint });
  }
}

/** The size of an event as JSON, which is what a frame carries (CBOR is a little smaller). */
export function approximateBytes(event) {
  try {
    return JSON.stringify(event)?.length ?? 0;
  } catch {
    return 0;
  }
}

/**
 * Places rrweb events on this machine's clock for a live-mode Replayer: each event comes back as
 * a copy whose `timestamp` says when it should be shown here, never earlier than the event
 * placed before it (rrweb plays events in timestamp order). Start the Replayer with
 * `startLive(Date.now() - bufferMs)`: an event then plays `bufferMs` after its placed time,
 * and anything placed before that baseline is applied at once.
 */
export class Timeline {
  #last = -Infinity;
  #skew = null;

  /**
   * Events that already happened (a late joiner's snapshot): kept in order and moved so that the
   * newest lands just before `before` (the Replayer's baseline), so all of them apply at once.
   */
  backlog(events, before) {
    const last = maxTimestamp(events);
    const shift = Number.isFinite(last) ? Math.min(0, before - 1 - last) : 0;
    return events.map((e) => this.#place(e, e.timestamp + shift));
  }

  /**
   * Live events received at `now`. The recorder's clock may differ from this one: the smallest
   * delay seen between an event's timestamp and its arrival stands for the clock difference
   * (plus the quickest delivery), so events keep their spacing and play right after arriving.
   */
  live(events, now) {
    const last = maxTimestamp(events);
    if (Number.isFinite(last)) {
      const lag = now - last;
      this.#skew = this.#skew === null ? lag : Math.min(this.#skew, lag);
    }
    const skew = this.#skew ?? 0;
    return events.map((e) => this.#place(e, e.timestamp + skew));
  }

  /** Forgets the order and the clock estimate (a new Replayer). */
  reset() {
    this.#last = -Infinity;
    this.#skew = null;
  }

  #place(event, at) {
    const timestamp = Math.max(Number.isFinite(at) ? at : this.#last, this.#last);
    this.#last = timestamp;
    return { ...event, timestamp };
  }
}

function maxTimestamp(events) {
  let max = -Infinity;
  for (const e of events) if (typeof e?.timestamp === 'number' && e.timestamp > max) max = e.timestamp;
  return max;
}

/**
 * The events a viewer replays from a recording's snapshot state (protocol 4.3: every static
 * batch, then the latest checkpoint batch and every batch after it), in that order, as one
 * list of rrweb events. Values that are not rrweb events (no numeric `type` and `timestamp`)
 * are left out: a recording may carry other data.
 */
export function snapshotEvents(state) {
  const batches = [...(state?.static ?? []), ...(state?.events ?? [])];
  return batches.flatMap((b) => (b.events ?? []).filter(isRrwebEvent));
}

export function isRrwebEvent(e) {
  return e !== null && typeof e === 'object' && typeof e.type === 'number' && typeof e.timestamp === 'number';
}

/** Whether a snapshot state holds a full page to show (a checkpoint, or a full snapshot event). */
export function hasFullSnapshot(events) {
  return events.some((e) => e.type === RrwebType.FULL_SNAPSHOT);
}

/**
 * The rrweb events of a recording's replayed (or exported) items, `{seq, ts, frame}` in seq
 * order, as one list for rrweb-player: the events of every `events` frame (checkpoints and
 * static batches included), in order. Items at or below `afterSeq` are skipped (a replay
 * restarted after a reconnect may repeat some); other frames (`ended`) and values that are not
 * rrweb events are left out. Returns the events and the highest seq seen.
 */
export function rrwebEventsOf(items, afterSeq = 0) {
  const events = [];
  let seq = afterSeq;
  for (const item of items) {
    if (typeof item?.seq !== 'number' || item.seq <= seq) continue;
    seq = item.seq;
    if (item.frame?.type !== 'events') continue;
    for (const e of item.frame.payload?.events ?? []) if (isRrwebEvent(e)) events.push(e);
  }
  return { events, seq };
}

/**
 * The size of rrweb-player's screen for a recorded viewport (the latest Meta event's
 * `{width, height}`) in a space of `maxWidth` x `maxHeight`: as large as fits, never larger
 * than the recorded viewport, keeping its proportions (rrweb-player scales the page into it).
 */
export function playerSize(viewport, maxWidth, maxHeight) {
  const w = Number(viewport?.width) > 0 ? Number(viewport.width) : 1024;
  const h = Number(viewport?.height) > 0 ? Number(viewport.height) : 576;
  const scale = Math.min(1, Math.max(1, maxWidth) / w, Math.max(1, maxHeight) / h);
  return { width: Math.round(w * scale), height: Math.round(h * scale) };
}
