package io.consentgateway.mapping;

import io.consentgateway.webhook.AttributeValue;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One user's merged consent for one integration: per synced field (an Actito subscription, an
 * Actito attribute) the newest value and the stamp of the change it came from. Mutable and
 * single-threaded: whoever owns a user's state (the store's writer) merges into it.
 *
 * <p>{@link #merge} keeps, per field, the value with the greatest stamp: first whether it was a
 * change at all (an <em>observation</em> — a value a {@code user.updated} repeats unchanged from its
 * old entity — loses to every change, and only fills a field nothing else set), then timestamp,
 * then version, then a fixed tie-break: an unsubscribe beats a subscribe, and of two attribute
 * values the greater in {@link AttributeValue}'s order wins. That is a total order, so the result
 * of merging a set of changes is the same whatever order they arrive in, and an older change never
 * overwrites a newer value (guarantee 3).
 *
 * <p>A preference-level subscription (purpose / preference / value) depends on two facts Didomi
 * changes apart, in separate webhooks: the purpose's {@code enabled} (its <em>gate</em>) and
 * whether the value is selected. Both are kept ({@link Gated}), each newest-wins on its own, and
 * the subscription is derived: off while the gate is off, else the selection (absent while no
 * selection is known). So "marketing disabled" at T1 and "sms selected" at T2 end, whatever their
 * order, where Didomi ends: disabled, so unsubscribed; and enabling the purpose at T3 brings the
 * selection back. A subscription no gate ever touched keeps its one value, as before.
 *
 * <p>The store keeps two of these per user: the desired state (everything merged) and the state
 * Actito acknowledged. After Actito accepted the update built from a snapshot of the desired state,
 * that snapshot ({@link #copy()}) becomes the acknowledged state. How a store keeps a state is the
 * store's business ({@link #restore}).
 */
public final class ConsentState {

  /** {@link #newestChangeMillis()} of a state nothing was merged into. */
  public static final long NO_CHANGE = Long.MIN_VALUE;


  private String organizationUserId;
  private long newestChangeMillis = NO_CHANGE;
  // insertion-ordered hash maps: O(1) per field on the hot path
  private final LinkedHashMap<String, Subscription> subscriptions = new LinkedHashMap<>();
  private final LinkedHashMap<String, Attribute> attributes = new LinkedHashMap<>();
  // the two facts of each gated (preference-level) subscription; its entry in subscriptions is derived
  private final LinkedHashMap<String, Gated> gated = new LinkedHashMap<>();
  // subscriptions whose one value a store kept from before the facts (consent-state format 2): it
  // may be a disabled purpose's or a selection's, and counts as both when facts first reach it
  private final java.util.TreeSet<String> legacy = new java.util.TreeSet<>();

  /** One subscription field: its value and the stamp of the change it came from. */
  public record Subscription(boolean subscribed, long millis, long version, boolean observed) {}

  /** One attribute field: its value and the stamp of the change it came from. */
  public record Attribute(AttributeValue value, long millis, long version, boolean observed) {
    public Attribute {
      Objects.requireNonNull(value, "value");
    }
  }

  /**
   * The facts a preference-level subscription is derived from: its purpose's {@code enabled}
   * ({@code gate}) and its selection ({@code value}), each with its stamp; either may be null.
   */
  public record Gated(Subscription gate, Subscription value) {

    /** The subscription these facts come to; null when they decide nothing. */
    public Subscription derived() {
      if (gate != null && !gate.subscribed()) {
        return gate;
      }
      return value;
    }

    /** Whether one of the facts was set by a change stamped {@code millis}. */
    boolean stampedAt(long millis) {
      return (gate != null && gate.millis() == millis) || (value != null && value.millis() == millis);
    }
  }

  private ConsentState() {}

  public static ConsentState empty() {
    return new ConsentState();
  }

  public ConsentState copy() {
    ConsentState copy = new ConsentState();
    copy.organizationUserId = organizationUserId;
    copy.newestChangeMillis = newestChangeMillis;
    copy.subscriptions.putAll(subscriptions);
    copy.attributes.putAll(attributes);
    copy.gated.putAll(gated);
    copy.legacy.addAll(legacy);
    return copy;
  }

  /**
   * Merges one change, field by field, newest stamp winning. Returns whether this state changed
   * (a value or a stamp), that is whether it must be stored again.
   *
   * @throws IllegalArgumentException if the changes are for another user than this state's
   */
  public boolean merge(FieldChanges changes) {
    if (changes.isEmpty()) {
      return false;
    }
    String user = changes.organizationUserId();
    if (organizationUserId == null) {
      organizationUserId = user;
    } else if (!organizationUserId.equals(user)) {
      // no ids in the message: they are personal data
      throw new IllegalArgumentException("changes for another user cannot merge into this consent state");
    }
    long millis = changes.timestampMillis();
    long version = changes.version();
    boolean changed = false;
    if (millis > newestChangeMillis) {
      newestChangeMillis = millis;
      changed = true;
    }
    for (int i = 0, n = changes.subscriptionCount(); i < n; i++) {
      String name = changes.subscriptionName(i);
      boolean subscribe = changes.subscribes(i);
      boolean observed = changes.subscriptionObserved(i);
      long at = observed ? changes.observedMillis() : millis;
      long v = observed ? changes.observedVersion() : version;
      Gated facts = changes.subscriptionIsSelection(i) ? legacyFacts(name) : gated.get(name);
      if (!changes.subscriptionIsSelection(i)) {
        legacy.remove(name); // a purpose-level value: the one value it always was
      }
      Subscription current = facts != null ? facts.value() : subscriptions.get(name);
      if (current == null || subscriptionWins(subscribe, observed, at, v, current)) {
        Subscription value = new Subscription(subscribe, at, v, observed);
        if (facts != null) {
          setGated(name, new Gated(facts.gate(), value));
        } else {
          subscriptions.put(name, value);
        }
        changed = true;
      }
    }
    for (int i = 0, n = changes.gateCount(); i < n; i++) {
      String name = changes.gateName(i);
      boolean enabled = changes.gateEnabled(i);
      boolean observed = changes.gateObserved(i);
      long at = observed ? changes.observedMillis() : millis;
      long v = observed ? changes.observedVersion() : version;
      Gated facts = legacyFacts(name);
      if (facts == null) {
        // until now the subscription's one value was its selection
        facts = new Gated(null, subscriptions.get(name));
      }
      if (facts.gate() == null || subscriptionWins(enabled, observed, at, v, facts.gate())) {
        setGated(name, new Gated(new Subscription(enabled, at, v, observed), facts.value()));
        changed = true;
      }
    }
    for (int i = 0, n = changes.attributeCount(); i < n; i++) {
      String name = changes.attributeName(i);
      AttributeValue value = changes.attributeValue(i);
      boolean observed = changes.attributeObserved(i);
      long at = observed ? changes.observedMillis() : millis;
      long v = observed ? changes.observedVersion() : version;
      Attribute current = attributes.get(name);
      if (current == null || attributeWins(value, observed, at, v, current)) {
        attributes.put(name, new Attribute(value, at, v, observed));
        changed = true;
      }
    }
    return changed;
  }

  /**
   * Records subscription values as a fact, whatever their stamps: what a system is known to hold
   * (Actito reporting its own profile), not a change competing newest-wins. Returns whether a value
   * changed.
   */
  public boolean overwrite(FieldChanges changes) {
    if (changes.isEmpty()) {
      return false;
    }
    if (organizationUserId == null) {
      organizationUserId = changes.organizationUserId();
    } else if (!organizationUserId.equals(changes.organizationUserId())) {
      throw new IllegalArgumentException("changes for another user cannot merge into this consent state");
    }
    boolean changed = false;
    for (int i = 0, n = changes.subscriptionCount(); i < n; i++) {
      Subscription current = subscriptions.get(changes.subscriptionName(i));
      if (current == null || current.subscribed() != changes.subscribes(i)) {
        changed = true;
      }
      gated.remove(changes.subscriptionName(i)); // a value known to be held, not facts to derive it from
      legacy.remove(changes.subscriptionName(i));
      subscriptions.put(changes.subscriptionName(i),
          new Subscription(changes.subscribes(i), changes.timestampMillis(), changes.version(), false));
    }
    if (changes.timestampMillis() > newestChangeMillis) {
      newestChangeMillis = changes.timestampMillis();
    }
    return changed;
  }

  /**
   * The facts of {@code name}; for a value kept from before the facts, both facts at once, at its
   * stamp: it came from the purpose's {@code enabled} or from the selection, and which one cannot be
   * told. Counting it as both keeps an old "off" off until a newer change says otherwise — a
   * selection made later under a purpose disabled then must not subscribe (guarantee 7).
   */
  private Gated legacyFacts(String name) {
    Gated facts = gated.get(name);
    if (facts == null && legacy.remove(name)) {
      Subscription old = subscriptions.get(name);
      if (old != null) {
        facts = new Gated(old, old);
        gated.put(name, facts);
      }
    }
    return facts;
  }

  private void setGated(String name, Gated facts) {
    gated.put(name, facts);
    Subscription derived = facts.derived();
    if (derived == null) {
      subscriptions.remove(name);
    } else {
      subscriptions.put(name, derived);
    }
  }

  private static boolean subscriptionWins(boolean subscribe, boolean observed, long millis, long version,
      Subscription current) {
    int byStamp = compareStamps(observed, millis, version, current.observed(), current.millis(), current.version());
    // at the very same stamp an unsubscribe wins: withdrawing consent is the safe side of a tie
    return byStamp > 0 || (byStamp == 0 && !subscribe && current.subscribed());
  }

  private static boolean attributeWins(AttributeValue value, boolean observed, long millis, long version,
      Attribute current) {
    int byStamp = compareStamps(observed, millis, version, current.observed(), current.millis(), current.version());
    return byStamp > 0 || (byStamp == 0 && value.compareTo(current.value()) > 0);
  }

  // a change beats an observation whatever their times; then time, then version
  private static int compareStamps(boolean observed, long millis, long version,
      boolean otherObserved, long otherMillis, long otherVersion) {
    if (observed != otherObserved) {
      return observed ? -1 : 1;
    }
    int byTime = Long.compare(millis, otherMillis);
    return byTime != 0 ? byTime : Long.compare(version, otherVersion);
  }

  /**
   * Records, for the named fields, the value and stamp {@code sent} holds: what Actito now holds
   * after accepting an update built from {@code sent}. Fields {@code sent} lacks are left alone.
   */
  public void acknowledge(ConsentState sent, Iterable<String> subscriptionNames, Iterable<String> attributeNames) {
    if (sent.isEmpty()) {
      return;
    }
    if (organizationUserId == null) {
      organizationUserId = sent.organizationUserId;
    } else if (!organizationUserId.equals(sent.organizationUserId)) {
      throw new IllegalArgumentException("changes for another user cannot merge into this consent state");
    }
    for (String name : subscriptionNames) {
      Subscription field = sent.subscriptions.get(name);
      if (field != null) {
        subscriptions.put(name, field);
      }
    }
    for (String name : attributeNames) {
      Attribute field = sent.attributes.get(name);
      if (field != null) {
        attributes.put(name, field);
      }
    }
    newestChangeMillis = Math.max(newestChangeMillis, sent.newestChangeMillis);
  }

  /** True when nothing was merged yet. */
  public boolean isEmpty() {
    return organizationUserId == null;
  }

  /** The user's Didomi {@code organization_user_id}; null while empty. */
  public String organizationUserId() {
    return organizationUserId;
  }

  /** The timestamp of the newest change merged so far, {@link #NO_CHANGE} while empty. */
  public long newestChangeMillis() {
    return newestChangeMillis;
  }

  /**
   * The timestamp of the change that set the subscription, {@link #NO_CHANGE} when none did: a
   * queued write-back whose stamp is not this one was overtaken by a newer change.
   */
  public long subscriptionMillis(String name) {
    Subscription field = subscriptions.get(name);
    return field == null ? NO_CHANGE : field.millis();
  }

  /**
   * Whether the subscription is {@code value} now and a change stamped {@code millis} still has a
   * part in it (the value itself, or one of the facts it is derived from): a queued write-back of
   * that change is not overtaken yet.
   */
  public boolean holdsAt(String name, boolean value, long millis) {
    Subscription field = subscriptions.get(name);
    if (field == null || field.subscribed() != value) {
      return false;
    }
    Gated facts = gated.get(name);
    return field.millis() == millis || (facts != null && facts.stampedAt(millis));
  }

  /** Whether the subscription is on, or null when no change touched it. */
  public Boolean subscription(String name) {
    Subscription field = subscriptions.get(name);
    return field == null ? null : field.subscribed();
  }

  /** The attribute's value, or null when no change carried it. */
  public AttributeValue attribute(String name) {
    Attribute field = attributes.get(name);
    return field == null ? null : field.value();
  }

  /** Every subscription this state holds, by name, in the order they were first merged. */
  public Map<String, Boolean> subscriptions() {
    Map<String, Boolean> out = new LinkedHashMap<>();
    subscriptions.forEach((name, field) -> out.put(name, field.subscribed()));
    return Collections.unmodifiableMap(out);
  }

  /** Every attribute this state holds, by name, in the order they were first merged. */
  public Map<String, AttributeValue> attributes() {
    Map<String, AttributeValue> out = new LinkedHashMap<>();
    attributes.forEach((name, field) -> out.put(name, field.value()));
    return Collections.unmodifiableMap(out);
  }

  /** Every attribute field, with its stamp: for the mapper and a store's codec. */
  public Map<String, Attribute> attributeFields() {
    return Collections.unmodifiableMap(attributes);
  }

  /**
   * Every subscription field, with its stamp: for a store's codec. A gated subscription's entry is
   * derived from its {@link #gatedFields()}.
   */
  public Map<String, Subscription> subscriptionFields() {
    return Collections.unmodifiableMap(subscriptions);
  }

  /** The subscriptions whose value a store kept from before the facts (see {@link #restore}). */
  public java.util.Set<String> legacyValues() {
    return Collections.unmodifiableSet(legacy);
  }

  /** Marks every subscription as kept from before the facts: a store reading an older format says so. */
  public ConsentState withLegacyValues(java.util.Collection<String> names) {
    for (String name : names) {
      if (subscriptions.containsKey(name) && !gated.containsKey(name)) {
        legacy.add(name);
      }
    }
    return this;
  }

  /** The facts of every gated (preference-level) subscription: for a store's codec and the user view. */
  public Map<String, Gated> gatedFields() {
    return Collections.unmodifiableMap(gated);
  }

  /**
   * A state as a store kept it ({@link #organizationUserId()}, {@link #newestChangeMillis()} and
   * every field with its stamp).
   *
   * @throws IllegalArgumentException if fields come without a user
   */
  public static ConsentState restore(String organizationUserId, long newestChangeMillis,
      Map<String, Subscription> subscriptions, Map<String, Attribute> attributes) {
    return restore(organizationUserId, newestChangeMillis, subscriptions, attributes, Map.of());
  }

  /** As {@link #restore(String, long, Map, Map)}, with the facts of the gated subscriptions (derived again). */
  public static ConsentState restore(String organizationUserId, long newestChangeMillis,
      Map<String, Subscription> subscriptions, Map<String, Attribute> attributes, Map<String, Gated> gated) {
    if (organizationUserId == null && !(subscriptions.isEmpty() && attributes.isEmpty() && gated.isEmpty())) {
      throw new IllegalArgumentException("fields without a user");
    }
    ConsentState state = new ConsentState();
    state.organizationUserId = organizationUserId;
    state.newestChangeMillis = organizationUserId == null ? NO_CHANGE : newestChangeMillis;
    state.subscriptions.putAll(subscriptions);
    state.attributes.putAll(attributes);
    gated.forEach(state::setGated);
    return state;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ConsentState other
        && Objects.equals(organizationUserId, other.organizationUserId)
        && newestChangeMillis == other.newestChangeMillis
        && subscriptions.equals(other.subscriptions)
        && attributes.equals(other.attributes)
        && gated.equals(other.gated)
        && legacy.equals(other.legacy);
  }

  @Override
  public int hashCode() {
    return Objects.hash(organizationUserId, newestChangeMillis, subscriptions, attributes, gated, legacy);
  }

  @Override
  public String toString() {
    // no user id or values: personal data stays out of logs
    return "ConsentState[" + subscriptions.size() + " subscriptions, " + attributes.size()
        + " attributes, newest " + newestChangeMillis + "]";
  }
}
