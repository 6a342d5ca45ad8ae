package io.consentgateway.mapping;

import java.util.Map;

/**
 * What a subscription change made in Actito stands for in a user's {@link ConsentState}: the facts
 * the write-back to Didomi sets ({@link ReverseMapper#factsOf}), so that the gateway and Didomi
 * derive the same subscriptions from them afterwards.
 */
@FunctionalInterface
public interface ActitoChangeFacts {

  /** Every subscription its own plain value: for a state with no mappings to go by. */
  ActitoChangeFacts PLAIN = (userKey, millis, subscriptions, known) ->
      FieldChanges.ofSubscriptions(userKey, millis, subscriptions);

  /**
   * The facts of the Actito values {@code subscriptions} for {@code userKey}, stamped {@code
   * millis}, given what the gateway holds of the user ({@code known}, the merged state before).
   */
  FieldChanges factsOf(String userKey, long millis, Map<String, Boolean> subscriptions, ConsentState known);
}
