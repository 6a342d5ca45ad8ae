package io.consentgateway.bidirectional;

import java.util.List;

/**
 * One parsed Actito webhook (DESIGN.md §2.3): its envelope {@code id} (null when Actito sent none)
 * and one {@link ActitoProfileChange} per pushed profile — one for a single push, as many as
 * {@code data} holds for a bulk push, in payload order. Immutable.
 */
public record ActitoWebhook(String id, List<ActitoProfileChange> changes) {

  public ActitoWebhook {
    changes = List.copyOf(changes);
  }

  /** The changes whose profile carried no value for the user unique key: skip and count them. */
  public long changesWithoutUserKey() {
    return changes.stream().filter(c -> !c.hasUserKey()).count();
  }
}
