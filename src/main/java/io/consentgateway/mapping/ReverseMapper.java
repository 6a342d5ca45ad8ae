package io.consentgateway.mapping;

import io.consentgateway.webhook.ActitoProfileChange;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.consentgateway.config.IntegrationConfig;
import io.consentgateway.config.SubscriptionMapping;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * The Actito → Didomi rules of one integration, as pure code: turns one {@link ActitoProfileChange}
 * into the Didomi consent event (docs/design.md §2, Didomi Consents API) that says the same, given what the gateway knows of
 * the user ({@link ConsentState}: the mapped subscriptions as last merged). Thread-safe; build one
 * per integration at start-up.
 *
 * <p>Rules, per subscription the change carries:
 *
 * <ul>
 *   <li>mapped to a purpose (purpose-level): sets that purpose's {@code enabled}; when two
 *       purpose-level mappings of one purpose disagree in one change, {@code false} wins.
 *   <li>mapped to purpose / preference / value: adds the value to, or removes it from, the
 *       preference's selection. Didomi replaces a preference's selection as a whole, so the event
 *       carries the complete selection: the values of that preference whose mapped subscription is
 *       on in the known state, updated by this change (a value no mapping names cannot be known,
 *       and is not in it). The purpose's {@code enabled} is {@code true} when the change turns such a
 *       value on (a value chosen is the purpose's consent too: Didomi holding the purpose disabled
 *       would keep the value off), and is left out otherwise unless a purpose-level mapping of the
 *       same purpose is in the change.
 *   <li>not mapped: skipped and reported in {@link ReverseMapping#unmappedSubscriptions()}.
 * </ul>
 *
 * Purposes are written in the order the mappings name them. The event id is a name-based UUID of
 * the integration id and the change's delivery key, so a redelivered webhook writes the same id.
 * The mapper does not compare the change with the known state beyond building selections: whether
 * a change is an echo of the gateway's own write is for the caller to decide (docs/design.md, guarantee 9), with
 * {@link DidomiConsentEvent#subscriptions()}.
 */
public final class ReverseMapper implements ActitoChangeFacts {

  private static final JsonFactory JSON = new JsonFactory();

  private final String integrationId;
  private final Map<String, List<SubscriptionMapping>> bySubscription;
  private final Map<String, List<SubscriptionMapping>> byPurpose;
  private final List<String> purposeOrder;

  public ReverseMapper(IntegrationConfig integration) {
    Objects.requireNonNull(integration, "integration");
    this.integrationId = Objects.requireNonNull(integration.id(), "integration.id");
    Map<String, List<SubscriptionMapping>> subscriptions = new HashMap<>();
    Map<String, List<SubscriptionMapping>> purposes = new LinkedHashMap<>();
    for (SubscriptionMapping mapping : integration.mappings()) {
      subscriptions.computeIfAbsent(mapping.subscription(), k -> new ArrayList<>()).add(mapping);
      purposes.computeIfAbsent(mapping.purpose(), k -> new ArrayList<>()).add(mapping);
    }
    subscriptions.replaceAll((k, v) -> List.copyOf(v));
    purposes.replaceAll((k, v) -> List.copyOf(v));
    this.bySubscription = Map.copyOf(subscriptions);
    this.byPurpose = purposes;
    this.purposeOrder = List.copyOf(purposes.keySet());
  }

  /**
   * @param change one profile of a parsed Actito webhook
   * @param known the user's merged state; null or empty when the gateway knows nothing of the user
   * @throws IllegalArgumentException if {@code known} is another user's state
   */
  public ReverseMapping map(ActitoProfileChange change, ConsentState known) {
    return map(change, known, Set.of());
  }

  /**
   * As {@link #map(ActitoProfileChange, ConsentState)}, the event also enabling the purposes {@code
   * enabling} (with {@code enabled: true} alone when the change's values do not touch them): what
   * is left to write of a write-back whose values were overtaken but whose enabling of a purpose
   * still holds ({@link #purposesStillEnabledBy}).
   */
  public ReverseMapping map(ActitoProfileChange change, ConsentState known, Set<String> enabling) {
    Objects.requireNonNull(change, "change");
    List<String> unmapped = new ArrayList<>();
    for (String name : change.subscriptions().keySet()) {
      if (!bySubscription.containsKey(name)) {
        unmapped.add(name);
      }
    }
    if (!change.hasUserKey()) {
      return new ReverseMapping(Optional.empty(), unmapped, true);
    }
    ConsentState state = known == null ? ConsentState.empty() : known;
    if (!state.isEmpty() && !state.organizationUserId().equals(change.organizationUserId())) {
      // no ids in the message: they are personal data
      throw new IllegalArgumentException("the known consent state is another user's");
    }

    Map<String, PurposeWrite> delta = delta(change.subscriptions(), state);
    if (!enabling.isEmpty()) {
      Map<String, PurposeWrite> widened = new LinkedHashMap<>();
      for (String purpose : purposeOrder) {
        PurposeWrite write = delta.get(purpose);
        if (enabling.contains(purpose)) {
          widened.put(purpose, new PurposeWrite(true, write == null ? Map.of() : write.selections()));
        } else if (write != null) {
          widened.put(purpose, write);
        }
      }
      delta = widened;
    }
    if (delta.isEmpty()) {
      return new ReverseMapping(Optional.empty(), unmapped, false);
    }

    Map<String, Boolean> represented = new LinkedHashMap<>();
    StringWriter out = new StringWriter(256);
    String eventId = eventId(change.deliveryKey());
    try (JsonGenerator g = JSON.createGenerator(out)) {
      g.writeStartObject();
      g.writeStringField("id", eventId);
      g.writeObjectFieldStart("user");
      g.writeStringField("organization_user_id", change.organizationUserId());
      g.writeEndObject();
      g.writeObjectFieldStart("consents");
      g.writeArrayFieldStart("purposes");
      for (Map.Entry<String, PurposeWrite> entry : delta.entrySet()) {
        PurposeWrite write = entry.getValue();
        g.writeStartObject();
        g.writeStringField("id", entry.getKey());
        if (write.enabled() != null) {
          g.writeBooleanField("enabled", write.enabled());
        }
        if (!write.selections().isEmpty()) {
          g.writeObjectFieldStart("values");
          for (Map.Entry<String, Set<String>> preference : write.selections().entrySet()) {
            g.writeObjectFieldStart(preference.getKey());
            g.writeStringField("value", String.join(",", preference.getValue()));
            g.writeEndObject();
          }
          g.writeEndObject();
        }
        g.writeEndObject();
        represent(entry.getKey(), write.enabled(), write.selections(), represented);
      }
      g.writeEndArray();
      g.writeEndObject();
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    var event = new DidomiConsentEvent(eventId, change.organizationUserId(), out.toString(), represented);
    return new ReverseMapping(Optional.of(event), unmapped, false);
  }

  /**
   * The facts of the Didomi write the Actito values {@code subscriptions} call for, stamped {@code
   * millis}: what Didomi holds once it is written, as {@link ConsentMapper#changesFor} would read
   * it — each touched purpose's {@code enabled} (purpose-level subscriptions, and the gates of its
   * preference-level ones) and each touched preference's whole selection. Merged into the user's
   * state, an Actito change thus stands for the same facts in the gateway as in Didomi (guarantee 3).
   */
  @Override
  public FieldChanges factsOf(String userKey, long millis, Map<String, Boolean> subscriptions, ConsentState known) {
    ConsentState state = known == null ? ConsentState.empty() : known;
    Map<String, PurposeWrite> delta = delta(subscriptions, state);
    FieldChanges.Builder out = FieldChanges.builder(userKey, millis, 0, subscriptions.size(), 0);
    delta.forEach((purpose, write) -> {
      for (SubscriptionMapping mapping : byPurpose.get(purpose)) {
        if (mapping.isPurposeLevel()) {
          if (write.enabled() != null) {
            out.subscription(mapping.subscription(), write.enabled());
          }
          continue;
        }
        if (write.enabled() != null) {
          out.gate(mapping.subscription(), write.enabled(), false);
        }
        Set<String> selection = write.selections().get(mapping.preference());
        if (selection != null) {
          out.selection(mapping.subscription(), selection.contains(mapping.value()), false);
        }
      }
    });
    return out.build();
  }

  /**
   * The purposes a write-back of {@code subscriptions} stamped {@code stampMillis} enables (a value
   * turned on under a purpose, see {@link #factsOf}) whose {@code enabled} the user's state still
   * holds from that very change: the gate of one of its preference-level subscriptions is on, at
   * that stamp. When the write-back's values were overtaken, those still have to reach Didomi, or
   * Didomi keeps the purpose disabled while the gateway derives from it enabled.
   */
  public Set<String> purposesStillEnabledBy(Map<String, Boolean> subscriptions, long stampMillis, ConsentState desired) {
    Set<String> enabled = new LinkedHashSet<>();
    for (Map.Entry<String, PurposeWrite> entry : delta(subscriptions, desired).entrySet()) {
      if (!Boolean.TRUE.equals(entry.getValue().enabled())) {
        continue;
      }
      for (SubscriptionMapping mapping : byPurpose.get(entry.getKey())) {
        ConsentState.Gated facts = mapping.isPurposeLevel() ? null : desired.gatedFields().get(mapping.subscription());
        if (facts != null && facts.gate() != null && facts.gate().subscribed() && facts.gate().millis() == stampMillis) {
          enabled.add(entry.getKey());
          break;
        }
      }
    }
    return enabled;
  }

  /** What one purpose of the write says: its {@code enabled} (null: left out) and the selections it replaces. */
  private record PurposeWrite(Boolean enabled, Map<String, Set<String>> selections) {}

  // per purpose touched, in mapping order: the enabled flag written and the preferences' selections
  private Map<String, PurposeWrite> delta(Map<String, Boolean> subscriptions, ConsentState state) {
    Map<String, Boolean> enabled = new HashMap<>();
    Map<String, Set<String>> touchedPreferences = new HashMap<>();
    subscriptions.forEach((name, on) -> {
      for (SubscriptionMapping mapping : bySubscription.getOrDefault(name, List.of())) {
        if (mapping.isPurposeLevel()) {
          enabled.merge(mapping.purpose(), on, Boolean::logicalAnd);
        } else {
          touchedPreferences.computeIfAbsent(mapping.purpose(), k -> new LinkedHashSet<>()).add(mapping.preference());
        }
      }
    });
    Map<String, PurposeWrite> delta = new LinkedHashMap<>();
    for (String purpose : purposeOrder) {
      Boolean purposeEnabled = enabled.get(purpose);
      Set<String> preferences = touchedPreferences.getOrDefault(purpose, Set.of());
      if (purposeEnabled == null && preferences.isEmpty()) {
        continue;
      }
      Map<String, Set<String>> selections = new LinkedHashMap<>();
      for (String preference : preferences) {
        selections.put(preference, selection(purpose, preference, subscriptions, state));
      }
      if (purposeEnabled == null && turnsAValueOn(purpose, subscriptions)) {
        // a value chosen under a purpose Didomi may hold disabled: the choice is the purpose's
        // consent too, or Didomi's disabled purpose would keep the value off (guarantee 7)
        purposeEnabled = true;
      }
      delta.put(purpose, new PurposeWrite(purposeEnabled, selections));
    }
    return delta;
  }

  /** The Didomi event id written for the change with {@code deliveryKey}. */
  public String eventId(String deliveryKey) {
    byte[] name = ("consent-gateway:actito:" + integrationId + ":" + deliveryKey).getBytes(StandardCharsets.UTF_8);
    return UUID.nameUUIDFromBytes(name).toString();
  }

  // the values of one preference whose subscription is on after this change, in mapping order
  private Set<String> selection(String purpose, String preference, Map<String, Boolean> change, ConsentState known) {
    Map<String, Boolean> byValue = new LinkedHashMap<>();
    Map<String, Boolean> carried = new HashMap<>();
    for (SubscriptionMapping mapping : byPurpose.get(purpose)) {
      if (mapping.isPurposeLevel() || !mapping.preference().equals(preference)) {
        continue;
      }
      Boolean asked = change.get(mapping.subscription());
      if (asked != null) {
        // two subscriptions on one value disagreeing in one change: withdrawing consent wins
        carried.merge(mapping.value(), asked, Boolean::logicalAnd);
      }
      byValue.merge(mapping.value(), Boolean.TRUE.equals(known.subscription(mapping.subscription())), Boolean::logicalOr);
    }
    Set<String> selection = new LinkedHashSet<>();
    byValue.forEach((value, knownOn) -> {
      if (carried.getOrDefault(value, knownOn)) {
        selection.add(value);
      }
    });
    return selection;
  }

  // whether the change turns on a subscription mapped to a value of one of the purpose's preferences
  private boolean turnsAValueOn(String purpose, Map<String, Boolean> change) {
    for (SubscriptionMapping mapping : byPurpose.get(purpose)) {
      if (!mapping.isPurposeLevel() && Boolean.TRUE.equals(change.get(mapping.subscription()))) {
        return true;
      }
    }
    return false;
  }

  // what Didomi then says of the mapped subscriptions, by the Didomi -> Actito rules
  private void represent(
      String purpose, Boolean purposeEnabled, Map<String, Set<String>> selections, Map<String, Boolean> represented) {
    for (SubscriptionMapping mapping : byPurpose.get(purpose)) {
      if (Boolean.FALSE.equals(purposeEnabled)) {
        represented.put(mapping.subscription(), false); // a disabled purpose unsubscribes all its mappings
      } else if (mapping.isPurposeLevel()) {
        if (purposeEnabled != null) {
          represented.put(mapping.subscription(), true);
        }
      } else {
        Set<String> selection = selections.get(mapping.preference());
        if (selection != null) {
          represented.put(mapping.subscription(), selection.contains(mapping.value()));
        }
      }
    }
  }
}
