package io.consentgateway.mapping;

import io.consentgateway.webhook.AttributeValue;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

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

  /**
   * What a dispatch leased at {@code claimedAtMillis} is sending, as the store records it while the
   * call is in flight: only the subscriptions it changes ({@link #subscriptionsToSend}), so that a
   * change the user makes in Actito meanwhile is not taken for its echo.
   */
  public static ConsentState sending(String userKey, long claimedAtMillis, ConsentState desired,
      ConsentState acknowledged, Map<String, String> refused) {
    ConsentState sending = ConsentState.empty();
    Map<String, Boolean> sent = subscriptionsToSend(desired, acknowledged, refused);
    if (!sent.isEmpty()) {
      sending.overwrite(FieldChanges.ofSubscriptions(userKey, claimedAtMillis, sent));
    }
    return sending;
  }

  /**
   * What a store saves once Actito took some fields of a dispatch: the acknowledged state after it
   * ({@link #acknowledgedAfter}), the recent writes with each subscription it took ({@link
   * RecentWrites}, for the late-echo rule), and the refused fields that got through at last and so
   * lose their refusal (their field-level dead letter is cleared).
   */
  public record Acknowledgement(ConsentState acknowledged, RecentWrites recent, Set<String> clearedRefusals) {
    public Acknowledgement {
      clearedRefusals = Set.copyOf(clearedRefusals);
    }
  }

  /**
   * The rule of a dispatch's progress: given what the store holds now ({@code acknowledgedNow},
   * {@code recentNow}), the claimed desired state, the fields Actito took and the fields refused
   * when the user was leased, answers what to save. {@code recentNow} is not changed.
   */
  public static Acknowledgement afterDelivery(ConsentState acknowledgedNow, RecentWrites recentNow,
      ConsentState claimedDesired, Collection<String> sentSubscriptions, Collection<String> sentAttributes,
      Map<String, String> refusedBefore, long nowMillis) {
    ConsentState after = acknowledgedAfter(acknowledgedNow, claimedDesired, sentSubscriptions, sentAttributes);
    RecentWrites recent = RecentWrites.of(recentNow.entries());
    Set<String> cleared = new LinkedHashSet<>();
    for (String name : sentSubscriptions) {
      Boolean value = claimedDesired.subscription(name);
      if (value != null) {
        recent.wrote(name, value, nowMillis);
      }
      if (refusedBefore.containsKey(subscriptionField(name))) {
        cleared.add(subscriptionField(name));
      }
    }
    for (String name : sentAttributes) {
      if (refusedBefore.containsKey(attributeField(name))) {
        cleared.add(attributeField(name));
      }
    }
    return new Acknowledgement(after, recent, cleared);
  }
}
