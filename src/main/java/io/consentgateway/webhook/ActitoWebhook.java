package io.consentgateway.webhook;

import java.util.List;

/**
 * One parsed Actito webhook (docs/design.md §2, Actito webhooks): its envelope {@code id} (null when Actito sent none)
 * and one {@link ActitoProfileChange} per pushed profile — one for a single push, as many as
 * {@code data} holds for a bulk push, in payload order. {@code payloads} holds, per change, the
 * part of the webhook that concerns it alone: {@code {"id": <envelope id>, "data": <its profile>}}
 * — what the inbox keeps of it, so that a bulk push is stored once (each profile once, not the
 * whole push per profile) and one person's data can be erased without touching another's.
 * Immutable.
 */
public record ActitoWebhook(String id, List<ActitoProfileChange> changes, List<byte[]> payloads) {

  public ActitoWebhook {
    changes = List.copyOf(changes);
    payloads = List.copyOf(payloads);
    if (payloads.size() != changes.size()) {
      throw new IllegalArgumentException("one payload per change");
    }
  }

  /** The stored form of change {@code index} (see the class comment). */
  public byte[] payload(int index) {
    return payloads.get(index).clone();
  }

  /** The changes whose profile carried no value for the user unique key: skip and count them. */
  public long changesWithoutUserKey() {
    return changes.stream().filter(c -> !c.hasUserKey()).count();
  }
}
