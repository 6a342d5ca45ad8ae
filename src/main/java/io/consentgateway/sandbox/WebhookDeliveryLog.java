package io.consentgateway.sandbox;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongFunction;
import java.util.function.UnaryOperator;

/**
 * The webhooks a sandbox sent or is sending, oldest first, each under its sequence number (from 1).
 * Not thread-safe on its own: its owner (the sandbox's state) calls it under its own lock.
 *
 * @param <D> the sandbox's record of one delivery
 */
public final class WebhookDeliveryLog<D> {

  private final Map<Long, D> deliveries = new LinkedHashMap<>();
  private long nextSequence = 1;

  /** Records a new delivery, made by {@code create} from its sequence number; returns that number. */
  public long add(LongFunction<D> create) {
    long sequence = nextSequence++;
    deliveries.put(sequence, create.apply(sequence));
    return sequence;
  }

  /** Replaces the record of delivery {@code sequence} with what {@code change} makes of it; nothing when forgotten. */
  public void update(long sequence, UnaryOperator<D> change) {
    D delivery = deliveries.get(sequence);
    if (delivery != null) {
      deliveries.put(sequence, change.apply(delivery));
    }
  }

  public List<D> all() {
    return List.copyOf(deliveries.values());
  }

  /** Forgets every delivery; numbering goes on. */
  public void clear() {
    deliveries.clear();
  }
}
