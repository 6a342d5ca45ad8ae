package io.consentgateway.mapping;

import io.consentgateway.store.sqlite.ConsentStateCodec;

import io.consentgateway.support.TestIntegrations;
import io.consentgateway.support.WebhookBody;
import io.consentgateway.webhook.AttributeValue;
import io.consentgateway.webhook.DidomiWebhookParser;
import static org.assertj.core.api.Assertions.assertThat;

import io.consentgateway.config.IntegrationConfig.OnUserDeleted;
import io.consentgateway.config.MetadataAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * guarantee 3 (docs/design.md) as a property: whatever order a set of changes arrives in, the merged state is the
 * one reached by applying them sorted by their stamps.
 */
class ConsentStateMergeProperties {

  private static final String USER = "ann.martin@example.com";

  private final DidomiWebhookParser parser = new DidomiWebhookParser();
  private final ConsentMapper mapper = new ConsentMapper(
      TestIntegrations.acme("gdpr", MetadataAttributes.ALL, OnUserDeleted.UNSUBSCRIBEALL));

  /** One field update of a change, for the reference model. */
  private record Write(String field, boolean isSubscription, Object value, boolean observed, long millis, long version) {}

  @Property(tries = 300)
  void webhooksInEveryArrivalOrderReachTheStateOfTheirSortedApplication(@ForAll("webhooks") List<byte[]> bodies) {
    // given a random set of Didomi webhooks for one user, mapped to field changes
    List<FieldChanges> changes = new ArrayList<>();
    for (byte[] body : bodies) {
      changes.add(mapper.changesFor(parser.parse(body)));
    }
    // when they are applied in stamp order
    ConsentState sorted = applySorted(changes);
    // then every arrival order reaches the same state, and so does the reference model
    forEachPermutation(changes, order -> assertThat(apply(order)).isEqualTo(sorted));
    assertThat(sorted.subscriptions()).isEqualTo(model(changes, true));
    assertThat(sorted.attributes()).isEqualTo(model(changes, false));
  }

  @Property
  void fieldChangesInEveryArrivalOrderReachTheStateOfTheirSortedApplication(@ForAll("fieldChanges") List<FieldChanges> changes) {
    // observations lose to every change whatever their time: no one arrival order is "sorted", the
    // reference is any order, checked against the model
    ConsentState sorted = apply(changes);

    forEachPermutation(changes, order -> {
      ConsentState state = apply(order);
      assertThat(state).isEqualTo(sorted);
      assertThat(ConsentStateCodec.encode(state)).isEqualTo(ConsentStateCodec.encode(sorted));
    });
    assertThat(sorted.subscriptions()).isEqualTo(model(changes, true));
    assertThat(sorted.attributes()).isEqualTo(model(changes, false));
  }

  @Property
  void mergingTheSameChangesTwiceChangesNothing(@ForAll("fieldChanges") List<FieldChanges> changes) {
    ConsentState state = apply(changes);
    ConsentState before = state.copy();

    for (FieldChanges change : changes) {
      assertThat(state.merge(change)).isFalse();
    }
    assertThat(state).isEqualTo(before);
  }

  private static ConsentState applySorted(List<FieldChanges> changes) {
    List<FieldChanges> ordered = new ArrayList<>(changes);
    ordered.sort(Comparator.comparingLong(FieldChanges::timestampMillis).thenComparingLong(FieldChanges::version));
    return apply(ordered);
  }

  private static ConsentState apply(List<FieldChanges> changes) {
    ConsentState state = ConsentState.empty();
    changes.forEach(state::merge);
    return state;
  }

  /**
   * The rule written independently of {@link ConsentState}: sort every write of a field by (time,
   * version, tie rank) and let the last one stand; at a tie an unsubscribe outranks a subscribe and
   * the greater attribute value outranks the smaller.
   */
  private static Map<String, Object> model(List<FieldChanges> changes, boolean subscriptions) {
    if (!subscriptions) {
      return newest(changes, false, false);
    }
    // a preference-level subscription: off while its gate (the purpose's enabled) is off, else its selection
    Map<String, Object> values = newest(changes, true, false);
    Map<String, Object> gates = newest(changes, true, true);
    Map<String, Object> out = new HashMap<>(values);
    gates.forEach((name, enabled) -> {
      if (Boolean.FALSE.equals(enabled)) {
        out.put(name, false);
      }
    });
    return out;
  }

  private static Map<String, Object> newest(List<FieldChanges> changes, boolean subscriptions, boolean gates) {
    List<Write> writes = new ArrayList<>();
    for (FieldChanges c : changes) {
      if (gates) {
        for (int i = 0; i < c.gateCount(); i++) {
          boolean observed = c.gateObserved(i);
          writes.add(new Write(c.gateName(i), true, c.gateEnabled(i), observed,
              observed ? c.observedMillis() : c.timestampMillis(), observed ? c.observedVersion() : c.version()));
        }
      } else if (subscriptions) {
        for (int i = 0; i < c.subscriptionCount(); i++) {
          boolean observed = c.subscriptionObserved(i);
          writes.add(new Write(c.subscriptionName(i), true, c.subscribes(i), observed,
              observed ? c.observedMillis() : c.timestampMillis(), observed ? c.observedVersion() : c.version()));
        }
      } else {
        for (int i = 0; i < c.attributeCount(); i++) {
          boolean observed = c.attributeObserved(i);
          writes.add(new Write(c.attributeName(i), false, c.attributeValue(i), observed,
              observed ? c.observedMillis() : c.timestampMillis(), observed ? c.observedVersion() : c.version()));
        }
      }
    }
    // an observation ranks below every change; then time, version, tie rank
    writes.sort(Comparator.comparing((Write w) -> !w.observed()).thenComparingLong(Write::millis)
        .thenComparingLong(Write::version).thenComparing(
        (a, b) -> a.isSubscription()
            ? Boolean.compare(!(Boolean) a.value(), !(Boolean) b.value())
            : ((AttributeValue) a.value()).compareTo((AttributeValue) b.value())));
    Map<String, Object> out = new HashMap<>();
    writes.forEach(w -> out.put(w.field(), w.value()));
    return out;
  }

  private static <T> void forEachPermutation(List<T> items, Consumer<List<T>> action) {
    permute(new ArrayList<>(items), 0, action);
  }

  private static <T> void permute(List<T> items, int from, Consumer<List<T>> action) {
    if (from == items.size()) {
      action.accept(items);
      return;
    }
    for (int i = from; i < items.size(); i++) {
      java.util.Collections.swap(items, from, i);
      permute(items, from + 1, action);
      java.util.Collections.swap(items, from, i);
    }
  }

  @Provide
  Arbitrary<List<FieldChanges>> fieldChanges() {
    Arbitrary<Map<String, Boolean>> subscriptions =
        Arbitraries.maps(Arbitraries.of("A", "B", "C"), Arbitraries.of(true, false)).ofMaxSize(3);
    Arbitrary<Map<String, AttributeValue>> attributes = Arbitraries.maps(Arbitraries.of("x", "y"),
        Arbitraries.of(AttributeValue.ofString("a"), AttributeValue.ofString("b"), AttributeValue.ofNumber("1"),
            AttributeValue.TRUE, AttributeValue.FALSE)).ofMaxSize(2);
    // few distinct stamps, so that ties are common
    // a user.updated's unchanged fields are observations stamped with its old entity, a bit earlier
    Arbitrary<Set<String>> observed = Arbitraries.of("A", "B", "C", "x", "y", "gA", "gB").set().ofMaxSize(3);
    // the gates (a purpose's enabled) of preference-level subscriptions A and B
    Arbitrary<Map<String, Boolean>> gates =
        Arbitraries.maps(Arbitraries.of("A", "B"), Arbitraries.of(true, false)).ofMaxSize(2);
    Arbitrary<FieldChanges> change = Combinators.combine(
            Arbitraries.longs().between(0, 3), Arbitraries.longs().between(0, 2), subscriptions, attributes, observed,
            gates)
        .as((millis, version, subs, attrs, seen, gated) -> {
          FieldChanges.Builder b = FieldChanges.builder(USER, millis, version, subs.size(), attrs.size())
              .observedStamp(millis - 1, version);
          subs.forEach((name, on) -> b.subscription(name, on, seen.contains(name)));
          gated.forEach((name, on) -> b.gate(name, on, seen.contains("g" + name)));
          attrs.forEach((name, value) -> b.attribute(name, value, seen.contains(name)));
          return b.build();
        });
    return change.list().ofMinSize(1).ofMaxSize(5);
  }

  @Provide
  Arbitrary<List<byte[]>> webhooks() {
    Arbitrary<String> kind = Arbitraries.of(
        "event.created", "event.created.pending", "event.updated.confirmation", "event.updated",
        "event.created.cpra", "user.updated", "user.deleted");
    Arbitrary<Integer> minute = Arbitraries.integers().between(0, 3);
    Arbitrary<Boolean> enabled = Arbitraries.of(true, false).injectNull(0.3);
    Arbitrary<String> selection = Arbitraries.of("", "sms", "email", "sms,email", "post").injectNull(0.3);
    Arbitrary<String> language = Arbitraries.of("fr", "en").injectNull(0.3);
    Arbitrary<byte[]> webhook = Combinators.combine(
            kind, minute, minute, Arbitraries.integers().between(1, 3), enabled, enabled, selection, language)
        .as(ConsentStateMergeProperties::webhook);
    return webhook.list().ofMinSize(1).ofMaxSize(5);
  }

  private static byte[] webhook(String kind, int minute, int laterBy, int version, Boolean newsletter,
      Boolean marketing, String channels, String language) {
    String at = "2026-11-20T10:0" + minute + ":00Z";
    String later = "2026-11-20T10:0" + (minute + laterBy) + ":00Z";
    WebhookBody body = switch (kind) {
      case "event.created" -> WebhookBody.eventCreated(at);
      case "event.created.pending" -> WebhookBody.eventCreated(at).status("pending_approval");
      case "event.created.cpra" -> WebhookBody.eventCreated(at).regulation("cpra");
      case "event.updated.confirmation" -> WebhookBody.eventUpdated(at, later, "pending_approval", "confirmed");
      case "event.updated" -> WebhookBody.eventUpdated(at, later, "confirmed", "confirmed");
      default -> WebhookBody.user(kind, at, version);
    };
    body.user(USER);
    if (newsletter != null || minute % 2 == 0) {
      body.purpose("newsletter", newsletter);
    }
    if (channels != null) {
      body.purpose("marketing", marketing, "channels", channels);
    } else {
      body.purpose("marketing", marketing);
    }
    if (language != null) {
      body.metadata("{\"language\":\"" + language + "\",\"version_seen\":" + version + "}");
    }
    return body.bytes();
  }
}
