package io.consentgateway.mapping;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What {@link ReverseMapper} made of one Actito profile change: the Didomi event to write, if any,
 * and what it skipped, for the caller to count. {@code event} is empty when the profile carried no
 * user unique key ({@code missingUserKey}) or none of its subscriptions is mapped; {@code
 * unmappedSubscriptions} names the subscriptions no mapping covers, in payload order.
 */
public record ReverseMapping(
    Optional<DidomiConsentEvent> event, List<String> unmappedSubscriptions, boolean missingUserKey) {

  public ReverseMapping {
    Objects.requireNonNull(event, "event");
    unmappedSubscriptions = List.copyOf(unmappedSubscriptions);
  }

  /** True when there is nothing to write to Didomi. */
  public boolean isEmpty() {
    return event.isEmpty();
  }
}
