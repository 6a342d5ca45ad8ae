package io.consentgateway.config;

/**
 * One Actito subscription fed by one Didomi purpose, optionally narrowed to one value of one of the
 * purpose's preferences: subscribed iff {@code value} is in the preference's comma-separated
 * selection. {@code preference} and {@code value} are both null for a purpose-level mapping.
 */
public record SubscriptionMapping(String subscription, String purpose, String preference, String value) {

  public boolean isPurposeLevel() {
    return preference == null;
  }
}
