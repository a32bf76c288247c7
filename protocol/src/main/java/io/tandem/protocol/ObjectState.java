package io.tandem.protocol;

/**
 * The state of one shared 3D object in a {@code delta}'s {@code objects} and in a room snapshot's
 * {@code state.objects}.
 *
 * @param asset the asset reference, or null (omitted)
 * @param transform the placement, or null (omitted)
 * @param heldBy the member id holding it, or null when nobody does (omitted on the wire)
 */
public record ObjectState(String asset, Transform transform, String heldBy) {}
