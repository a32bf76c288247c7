package io.tandem.node.xr;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which objects of one room one receiver should load at high detail: the per-room level-of-detail
 * recommendation, for one connection and one room. Not thread-safe; its owner (the connection's
 * outbound stage) calls it from one thread, with the time passed in, so it is a pure function of
 * its inputs and its own small state.
 *
 * <p>The rules, for a ranking in gaze order ({@link Gaze#rank}):
 *
 * <ul>
 *   <li>The connection's level is {@code low}: every object is {@code low}, and the ramp below
 *       starts again at the next {@code high}.
 *   <li>Level {@code high}: the ramp starts at the first plan (a join) or the first plan after a
 *       {@code low} (a raise). Then {@code min(budget, inFocus + steps)} objects are {@code high},
 *       where {@code inFocus} counts the objects within half of {@code focus-degrees} of the gaze
 *       and {@code steps} the {@code lod-raise-step}s since the ramp started: the objects at the
 *       gaze centre at once, one more every step, at most {@code high-detail-objects}.
 *   <li>Which ones: the first of the ranking, except that an object that is {@code high} now is
 *       ranked as if it were {@code lod-hysteresis-degrees} closer to the gaze, so an object at the
 *       budget boundary changes place only when another one is clearly closer, never as the head
 *       jitters. Without a gaze (no head pose yet) the ranking is by id and needs no hysteresis.
 * </ul>
 */
public final class DetailPlan {
  private final double halfFocus;
  private final int budget;
  private final long stepNanos;
  private final double hysteresis;

  private final Set<String> high = new HashSet<>();
  private long rampStart = -1;
  private boolean ramping;

  public DetailPlan(XrSettings settings) {
    this.halfFocus = settings.focusDegrees() / 2;
    this.budget = settings.highDetailObjects();
    this.stepNanos = settings.lodRaiseStep().toNanos();
    this.hysteresis = Math.max(0, settings.lodHysteresisDegrees());
  }

  /**
   * The recommendation at {@code nowNanos}: every object of {@code ranking}, in its order, mapped
   * to its level's wire name ({@link Lod#wire}), as the {@code quality} frame carries it.
   *
   * @param level the connection's level
   */
  public Map<String, String> plan(Lod level, List<Gaze.Ranked> ranking, long nowNanos) {
    Map<String, String> out = new LinkedHashMap<>();
    if (level != Lod.HIGH) {
      high.clear();
      rampStart = -1;
      ramping = false;
      ranking.forEach(r -> out.put(r.id(), Lod.LOW.wire()));
      return out;
    }
    if (rampStart < 0) {
      rampStart = nowNanos;
    }
    int inFocus = 0;
    for (Gaze.Ranked r : ranking) {
      if (r.hasGaze() && r.degrees() <= halfFocus) {
        inFocus++;
      }
    }
    long steps = stepNanos <= 0 ? Long.MAX_VALUE / 2 : (nowNanos - rampStart) / stepNanos;
    int most = Math.min(budget, ranking.size());
    int allowed = (int) Math.min(most, inFocus + steps);
    ramping = allowed < most;

    List<Gaze.Ranked> order = new ArrayList<>(ranking);
    if (hysteresis > 0 && !ranking.isEmpty() && ranking.get(0).hasGaze()) {
      // a stable sort: equal keys keep the ranking's order (distance, then id)
      order.sort(Comparator.comparingDouble(this::keyOf));
    }
    Set<String> chosen = new HashSet<>();
    for (int i = 0; i < allowed; i++) {
      chosen.add(order.get(i).id());
    }
    high.clear();
    high.addAll(chosen);
    ranking.forEach(r -> out.put(r.id(), (chosen.contains(r.id()) ? Lod.HIGH : Lod.LOW).wire()));
    return out;
  }

  private double keyOf(Gaze.Ranked r) {
    return high.contains(r.id()) ? r.degrees() - hysteresis : r.degrees();
  }

  /** Starts the ramp again at the next plan (the connection's level was just raised). */
  public void restartRamp() {
    rampStart = -1;
  }

  /**
   * Whether the last plan was still ramping up: a later plan with the same inputs may have more
   * objects {@code high}, so its owner plans again after a step.
   */
  public boolean ramping() {
    return ramping;
  }
}
