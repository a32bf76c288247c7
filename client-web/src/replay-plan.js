// Where a room's replay restarts when a person seeks, and the speeds the replay page offers
// (pure, so Node tests cover it).
//
// The server replays from any seq (`replay.seek{seq}`), but a room's doc at seq n needs every
// delta from 1. So a seek rebuilds what the page already holds and streams only what is missing,
// as fast as possible (speed 0) up to n before the chosen speed resumes. Recordings do not need
// this: the page loads the whole recording and rrweb-player seeks within it.

/**
 * @param {object} p
 * @param {number} p.target the seq to show
 * @param {number} p.seen the highest seq whose delta the page holds (it keeps every delta)
 * @returns {{from: number, keepUpTo: number, fastForwardTo: number|null}} restart the stream at
 *   `from`; rebuild the doc from the deltas held up to `keepUpTo` (0: start empty); run at
 *   speed 0 until an item with seq >= `fastForwardTo` (null: no fast forward)
 */
export function seekPlan({ target, seen = 0 }) {
  const n = Math.max(1, Math.floor(target));
  if (n <= seen) return { from: n + 1, keepUpTo: n, fastForwardTo: null };
  return { from: seen + 1, keepUpTo: seen, fastForwardTo: n };
}

/** The speeds the replay page offers; 0 is "as fast as possible" (protocol 4.4). */
export const SPEEDS = Object.freeze([0.5, 1, 2, 4, 8, 0]);

export function speedLabel(speed) {
  return speed === 0 ? 'Max' : `${speed}×`;
}

/**
 * rrweb-player plays on its own clock: a speed is how many recorded milliseconds pass per real
 * one, and it has no "as fast as possible". Its fastest option stands for it: at this speed a
 * whole minute of recording passes in about four frames, so the page is at the end at once.
 */
export const PLAYER_MAX_SPEED = 1000;

/** rrweb-player's speed buttons (labelled "0.5x" ... "8x"; the last one is relabelled "Max"). */
export const PLAYER_SPEEDS = Object.freeze([0.5, 1, 2, 4, 8, PLAYER_MAX_SPEED]);

/** The player speed for one of SPEEDS (a page address's `speed`). */
export function playerSpeed(speed) {
  return speed === 0 ? PLAYER_MAX_SPEED : speed;
}
