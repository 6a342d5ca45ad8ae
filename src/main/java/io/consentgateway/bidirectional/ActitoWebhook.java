package io.consentgateway.bidirectional;

import java.util.List;
import java.util.Objects;

/**
 * One parsed Actito webhook (DESIGN.md §2.3): its envelope {@code id} and one {@link
 * ActitoProfileChange} per pushed profile — one for a single push, as many as {@code data} holds
 * for a bulk push, in payload order. Immutable.
 */
public record ActitoWebhook(String id, List<ActitoProfileChange> changes) {

  public ActitoWebhook {
    Objects.requireNonNull(id, "id");
    changes = List.copyOf(changes);
  }

  /** The changes whose profile carried no value for the user unique key: skip and count them. */
  public long changesWithoutUserKey() {
    return changes.stream().filter(c -> !c.hasUserKey()).count();
  }
}
