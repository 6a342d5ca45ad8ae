package io.consentgateway.mapping;

import io.consentgateway.webhook.AttributeValue;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The per-field rules of a dispatch to Actito that every store applies: what a dispatch sends,
 * what Actito holds once it answered, and how a field Actito refused is kept out of the next
 * dispatches (guarantee 11) until its value changes or an operator replays it. Plain Java.
 *
 * <p>A refused field is named {@code subscription:<name>} or {@code attribute:<name>} and keeps the
 * value it was refused with ({@link #valueText}): a newer value of the field is tried again.
 */
public final class DeliveryRules {

  private DeliveryRules() {}

  public static String subscriptionField(String name) {
    return "subscription:" + name;
  }

  public static String attributeField(String name) {
    return "attribute:" + name;
  }

  public static String valueText(boolean subscribed) {
    return subscribed ? "true" : "false";
  }

  /** An attribute value as a refused field keeps it: its kind and its exact text. */
  public static String valueText(AttributeValue value) {
    return switch (value.kind()) {
      case STRING -> "s:";
      case NUMBER -> "n:";
      case BOOLEAN -> "b:";
    } + value.text();
  }

  /** Whether {@code field} was refused at exactly {@code value}: then it is not sent again as is. */
  public static boolean refusedAsIs(Map<String, String> refused, String field, String value) {
    return value.equals(refused.get(field));
  }

  /**
   * The subscriptions a dispatch of {@code desired} sends: those whose value Actito has not
   * acknowledged, less those refused at that very value. This is also what the store records as
   * being sent while the call is in flight, for the echo rule ({@link ActitoReportRules}).
   */
  public static Map<String, Boolean> subscriptionsToSend(ConsentState desired, ConsentState acknowledged,
      Map<String, String> refused) {
    Map<String, Boolean> out = new LinkedHashMap<>();
    desired.subscriptions().forEach((name, value) -> {
      if (!value.equals(acknowledged.subscription(name))
          && !refusedAsIs(refused, subscriptionField(name), valueText(value))) {
        out.put(name, value);
      }
    });
    return out;
  }

  /**
   * What Actito holds after it accepted the fields {@code sentSubscriptions} / {@code
   * sentAttributes} of a dispatch built from {@code claimedDesired}: for those fields the claimed
   * values (with their stamps); for every other field what the store knows now ({@code
   * acknowledgedNow}, which an Actito webhook may have updated while the call was in flight).
   */
  public static ConsentState acknowledgedAfter(ConsentState acknowledgedNow, ConsentState claimedDesired,
      Collection<String> sentSubscriptions, Collection<String> sentAttributes) {
    ConsentState after = acknowledgedNow.copy();
    after.acknowledge(claimedDesired, sentSubscriptions, sentAttributes);
    return after;
  }
}
