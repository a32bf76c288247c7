// Where a replay restarts when a person seeks (the replay page; pure, so Node tests cover it).
//
// The server replays from any seq (`replay.seek{seq}`), but a state at seq n needs what came
// before it: a room's doc needs every delta from 1, a recording's page needs the latest
// checkpoint at or before n. So a seek restarts the stream at a point whose state the page can
// build, and lets it run as fast as possible (speed 0) up to n before the chosen speed resumes.

/**
 * @param {object} p
 * @param {'room'|'recording'} p.kind
 * @param {number} p.target the seq to show
 * @param {number} p.seen the highest seq whose change the page holds (rooms keep every delta)
 * @param {number[]} p.checkpoints fromSeqs of the checkpoint batches seen so far (recordings)
 * @returns {{from: number, keepUpTo: number, fastForwardTo: number|null}} restart the stream at
 *   `from`; rebuild the state from the changes held up to `keepUpTo` (rooms; 0: start empty);
 *   run at speed 0 until an item with seq >= `fastForwardTo` (null: no fast forward)
 */
export function seekPlan({ kind, target, seen = 0, checkpoints = [] }) {
  const n = Math.max(1, Math.floor(target));
  if (kind === 'room') {
    // every delta up to `seen` is held: rebuild locally, fetch only what is missing
    if (n <= seen) return { from: n + 1, keepUpTo: n, fastForwardTo: null };
    return { from: seen + 1, keepUpTo: seen, fastForwardTo: n };
  }
  let from = 1;
  for (const c of checkpoints) if (c <= n && c > from) from = c;
  return { from, keepUpTo: 0, fastForwardTo: n };
}

/** The speeds the replay page offers; 0 is "as fast as possible" (protocol 4.4). */
export const SPEEDS = Object.freeze([0.5, 1, 2, 4, 8, 0]);

export function speedLabel(speed) {
  return speed === 0 ? 'Max' : `${speed}×`;
}
