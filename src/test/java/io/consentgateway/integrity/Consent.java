package io.consentgateway.integrity;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * What Didomi holds of one user's consent, as far as the test's mappings go: the {@code newsletter}
 * purpose ({@code Newsletter}) and the {@code marketing} purpose with its {@code channels}
 * preference ({@code SmsOffers} = value {@code sms}). Immutable. Also used for a partial change (an
 * event): a member that is null is not carried.
 *
 * <p>The mapped values follow the gateway's documented Didomi → Actito rules (README, Mapping): a
 * purpose {@code enabled: false} unsubscribes all its mappings, a selection decides a
 * preference-level mapping otherwise, {@code enabled: null} decides nothing.
 */
record Consent(Boolean newsletter, boolean marketing, Boolean marketingEnabled, String channels) {

  static final String NEWSLETTER = "Newsletter";
  static final String SMS_OFFERS = "SmsOffers";
  static final String[] FIELDS = {NEWSLETTER, SMS_OFFERS};

  static final Consent NONE = new Consent(null, false, null, null);

  /** This state after the partial change {@code delta}, merged as Didomi merges an event. */
  Consent with(Consent delta) {
    return new Consent(
        delta.newsletter != null ? delta.newsletter : newsletter,
        marketing || delta.marketing,
        delta.marketing && delta.marketingEnabled != null ? delta.marketingEnabled : marketingEnabled,
        delta.marketing && delta.channels != null ? delta.channels : channels);
  }

  /** The mapped subscriptions this consent decides (a field it does not decide is absent). */
  Map<String, Boolean> mapped() {
    Map<String, Boolean> out = new LinkedHashMap<>();
    if (newsletter != null) {
      out.put(NEWSLETTER, newsletter);
    }
    if (marketing) {
      if (Boolean.FALSE.equals(marketingEnabled)) {
        out.put(SMS_OFFERS, false);
      } else if (channels != null) {
        out.put(SMS_OFFERS, selects(channels, "sms"));
      }
    }
    return out;
  }

  /**
   * What a {@code user.updated} from {@code before} to this state changes: the mapped fields whose
   * value differs (the others are only observations of what the old entity held).
   */
  Map<String, Boolean> changedSince(Consent before) {
    Map<String, Boolean> out = new LinkedHashMap<>(mapped());
    Map<String, Boolean> old = before.mapped();
    out.entrySet().removeIf(e -> e.getValue().equals(old.get(e.getKey())));
    return out;
  }

  /**
   * The part of {@code delta} that really differs from this state, purpose member by member: what
   * Didomi must apply so that its state matches a {@code user.updated} from this state.
   */
  Consent effectiveDelta(Consent delta) {
    Boolean n = delta.newsletter != null && !delta.newsletter.equals(newsletter) ? delta.newsletter : null;
    Boolean e = delta.marketing && delta.marketingEnabled != null && !delta.marketingEnabled.equals(marketingEnabled)
        ? delta.marketingEnabled : null;
    String c = delta.marketing && delta.channels != null && !delta.channels.equals(channels) ? delta.channels : null;
    return new Consent(n, e != null || c != null, e, c);
  }

  /**
   * The facts a {@code user.updated} from this state to {@code after} sets, as the gateway reads
   * it: the purpose members that differ, the {@code sms} selection only when its membership
   * differs (a value the old entity already held the same is repeated, not chosen: the observed
   * value rule, per value as per purpose).
   */
  Consent changedFacts(Consent after) {
    Consent delta = effectiveDelta(after);
    if (delta.channels != null && channels != null && selects(channels, "sms") == selects(delta.channels, "sms")) {
      return new Consent(delta.newsletter, delta.marketingEnabled != null, delta.marketingEnabled, null);
    }
    return delta;
  }

  boolean isEmpty() {
    return newsletter == null && !marketing;
  }

  /** Didomi's purposes array for this consent (only what it carries). */
  JsonArray purposes() {
    JsonArray purposes = new JsonArray();
    if (newsletter != null) {
      purposes.add(new JsonObject().put("id", "newsletter").put("enabled", newsletter));
    }
    if (marketing) {
      JsonObject purpose = new JsonObject().put("id", "marketing").put("enabled", marketingEnabled);
      if (channels != null) {
        purpose.put("values", new JsonObject().put("channels", new JsonObject().put("value", channels)));
      }
      purposes.add(purpose);
    }
    return purposes;
  }

  /** The consent a Didomi user entity (as the sandbox holds it) carries for the mapped purposes. */
  static Consent of(JsonObject user) {
    Boolean newsletter = null;
    boolean marketing = false;
    Boolean enabled = null;
    String channels = null;
    JsonArray purposes = user.getJsonObject("consents", new JsonObject()).getJsonArray("purposes", new JsonArray());
    for (int i = 0; i < purposes.size(); i++) {
      JsonObject purpose = purposes.getJsonObject(i);
      if ("newsletter".equals(purpose.getString("id"))) {
        newsletter = purpose.getBoolean("enabled");
      } else if ("marketing".equals(purpose.getString("id"))) {
        marketing = true;
        enabled = purpose.getBoolean("enabled");
        JsonObject values = purpose.getJsonObject("values");
        JsonObject selection = values == null ? null : values.getJsonObject("channels");
        channels = selection == null ? null : selection.getString("value");
      }
    }
    return new Consent(newsletter, marketing, enabled, channels);
  }

  /**
   * The facts of guarantee 3's oracle, each newest-wins on its own as the changes are applied in
   * stamp order: the {@code newsletter} purpose, the {@code marketing} purpose's {@code enabled},
   * and whether {@code sms} is selected in its {@code channels}. A Didomi change sets the facts it
   * carries; an Actito change the facts its write-back sets in Didomi (subscribing to SmsOffers
   * enables the purpose and selects sms; unsubscribing deselects sms).
   */
  static final class Facts {
    private Boolean newsletter;
    private Boolean marketingEnabled;
    private Boolean sms;

    void apply(Consent delta) {
      if (delta.newsletter != null) {
        newsletter = delta.newsletter;
      }
      if (delta.marketing) {
        if (delta.marketingEnabled != null) {
          marketingEnabled = delta.marketingEnabled;
        }
        if (delta.channels != null) {
          sms = selects(delta.channels, "sms");
        }
      }
    }

    void applyActito(Map<String, Boolean> provided) {
      if (provided.containsKey(NEWSLETTER)) {
        newsletter = provided.get(NEWSLETTER);
      }
      Boolean smsOffers = provided.get(SMS_OFFERS);
      if (smsOffers != null) {
        sms = smsOffers;
        if (smsOffers) {
          marketingEnabled = true;
        }
      }
    }

    /** The mapped subscriptions the facts come to (one they do not decide is absent). */
    Map<String, Boolean> mapped() {
      Map<String, Boolean> out = new LinkedHashMap<>();
      if (newsletter != null) {
        out.put(NEWSLETTER, newsletter);
      }
      if (Boolean.FALSE.equals(marketingEnabled)) {
        out.put(SMS_OFFERS, false);
      } else if (sms != null) {
        out.put(SMS_OFFERS, sms);
      }
      return out;
    }
  }

  private static boolean selects(String selection, String value) {
    for (String id : selection.split(",")) {
      if (id.trim().equals(value)) {
        return true;
      }
    }
    return false;
  }

  @Override
  public String toString() {
    StringBuilder out = new StringBuilder("{");
    if (newsletter != null) {
      out.append("newsletter=").append(newsletter);
    }
    if (marketing) {
      out.append(out.length() > 1 ? " " : "").append("marketing(enabled=").append(marketingEnabled)
          .append(channels == null ? "" : " channels=\"" + channels + "\"").append(')');
    }
    return out.append("} -> ").append(mapped()).toString();
  }

  static boolean same(Boolean a, Boolean b) {
    return Objects.equals(a, b);
  }
}
